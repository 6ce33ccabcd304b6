import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isPortOpen } from './port.js';

export type ReadyProbe =
  | { kind: 'http'; url: string; status: [number, number] }
  | { kind: 'tcp'; host: string; port: number };

/** One HTTP GET; the status code, or undefined when no answer came within `timeoutMs`. */
function httpStatus(url: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const send = url.startsWith('https:') ? httpsRequest : request;
    const req = send(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** Whether the service answers the probe now: an HTTP status inside the range, or a TCP connect. */
export async function probeOnce(probe: ReadyProbe, timeoutMs = 2_000): Promise<boolean> {
  if (probe.kind === 'tcp') return isPortOpen(probe.host, probe.port, timeoutMs);
  const status = await httpStatus(probe.url, timeoutMs);
  return status !== undefined && status >= probe.status[0] && status <= probe.status[1];
}

export function describeProbe(probe: ReadyProbe): string {
  return probe.kind === 'tcp'
    ? `TCP connect to ${probe.host}:${probe.port}`
    : `GET ${probe.url} answering ${probe.status[0]}-${probe.status[1]}`;
}
