import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { InputError, type ObjectiveSpec, type Params } from '@swarmtune/core';
import { runInProcessGroup } from '../group-process.js';
import { LineSplitter } from '../lines.js';
import type { CommandFailReason } from '../outcome.js';
import { OutputParser } from '../output-parser.js';
import { paramEnvVars } from '../param-env.js';
import { renderCommand } from '../template.js';
import { TrialLog } from '../trial-log.js';
import { MAX_STDOUT_LINE } from '../command-trial.js';
import { aggregateMetrics, meanValues, type MetricStats } from './aggregate.js';
import { isPortOpen, stopMatchingListeners, waitPortClosed, listeningPids, commandLineOf } from './port.js';
import { describeProbe, probeOnce, type ReadyProbe } from './readiness.js';
import { SERVICE_DEFAULTS, type ServiceObjective } from './schema.js';
import { ServiceProcess } from './service-process.js';

export type ServiceStatus = 'ok' | 'partial' | 'failed' | 'timeout' | 'crashed' | 'interrupted';
export type ServicePhase = 'startup' | 'eval';

export interface EvalRunRecord {
  /** 1-based. */
  run: number;
  ok: boolean;
  metrics: Record<string, number>;
  values?: number[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  failReason?: CommandFailReason;
  error?: string;
}

export interface ServiceTrialOutcome {
  status: ServiceStatus;
  phase: ServicePhase;
  state: 'COMPLETE' | 'FAIL';
  /** Mean over the good eval runs, one per objective (COMPLETE only). */
  values?: number[];
  failReason?: CommandFailReason;
  error?: string;
  /** Means over the good eval runs. */
  metrics: Record<string, number>;
  metricStats: Record<string, MetricStats>;
  runs: EvalRunRecord[];
  okRuns: number;
  servicePid?: number;
  serviceLog: string;
  evalLog: string;
  /** Whether the port was closed again after the service was stopped. */
  portFree: boolean;
  durationMs: number;
}

export interface ServiceTrialInput {
  params: Params;
  trialNumber: number;
  study: string;
  trialId: string;
  /** `objective.cwd` is relative to it. */
  baseDir: string;
  /** Where `trial-N.service.log` (the service's output) and `trial-N.log` (the eval runs) go. */
  logDir: string;
  objectives: ObjectiveSpec[];
  signal?: AbortSignal;
  env?: Record<string, string>;
  /** Progress lines for the caller's logger (port busy, ready, run k of n). */
  onProgress?: (message: string, details?: Record<string, unknown>) => void;
  /** The service's pid (= its process group id) once started. */
  onServiceSpawn?: (pid: number) => void;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const READY_POLL_MS = 200;
const LOG_TAIL_LINES = 20;

function toArgv(rendered: string | string[]): [string, string[]] {
  return typeof rendered === 'string' ? ['/bin/sh', ['-c', rendered]] : [rendered[0]!, rendered.slice(1)];
}

function readyProbe(spec: ServiceObjective, host: string): ReadyProbe {
  const ready = spec.ready ?? SERVICE_DEFAULTS.ready;
  if ('tcp' in ready) return { kind: 'tcp', host, port: spec.port };
  const status = ready.status ?? SERVICE_DEFAULTS.ready.status;
  const url = 'url' in ready ? ready.url : `http://${host.includes(':') ? `[${host}]` : host}:${spec.port}${ready.path}`;
  return { kind: 'http', url, status };
}

async function logTail(path: string): Promise<string> {
  try {
    const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '' && !l.startsWith('# '));
    return lines.slice(-LOG_TAIL_LINES).join('\n');
  } catch {
    return '';
  }
}

async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}

/**
 * One trial of a service objective (seed 003's loop): wait for the port to be free, start the service with the
 * params as env vars in its own process group, wait until it answers the readiness probe, run the eval command
 * `evalRuns` times, then stop the whole group and wait until the port is closed. Never leaves a process behind.
 * Throws InputError only for a spec that cannot run with these params.
 */
export async function runServiceTrial(spec: ServiceObjective, input: ServiceTrialInput): Promise<ServiceTrialOutcome> {
  if (input.objectives.length === 0) throw new InputError('objectives', 'at least one objective is needed');
  const started = performance.now();
  const host = spec.host ?? SERVICE_DEFAULTS.host;
  const startCmd = renderCommand(spec.start, input.params, 'objective.start');
  const evalCmd = renderCommand(spec.eval, input.params, 'objective.eval');
  const paramVars = paramEnvVars(input.params, spec.paramEnv);
  if (spec.paramsAsEnv) {
    for (const name of Object.keys(input.params)) {
      if (!ENV_NAME.test(name)) {
        throw new InputError(`objective.paramsAsEnv`, `param "${name}" is not a valid env var name; use paramEnv to map it`);
      }
      paramVars[name] = String(input.params[name]);
    }
  }
  const logDir = resolve(input.logDir);
  await mkdir(logDir, { recursive: true });
  const paramsFile = resolve(logDir, `trial-${input.trialNumber}.params.json`);
  await writeFile(paramsFile, `${JSON.stringify(input.params, null, 2)}\n`);
  const trialVars: Record<string, string> = {
    ...paramVars,
    SWARMTUNE_PARAMS_FILE: paramsFile,
    SWARMTUNE_TRIAL_NUMBER: String(input.trialNumber),
    SWARMTUNE_TRIAL_ID: input.trialId,
    SWARMTUNE_STUDY: input.study,
    SWARMTUNE_SERVICE_PORT: String(spec.port),
  };
  const env = { ...spec.env, ...input.env, ...trialVars };
  const cwd = resolve(input.baseDir, spec.cwd ?? '.');
  const serviceLog = resolve(logDir, `trial-${input.trialNumber}.service.log`);
  const evalLog = new TrialLog(resolve(logDir, `trial-${input.trialNumber}.log`));
  evalLog.line(`# swarmtune study ${input.study}, trial ${input.trialNumber} (${input.trialId}): service objective`);
  evalLog.line(`# service: ${JSON.stringify(startCmd)} on ${host}:${spec.port}, output in ${serviceLog}`);
  evalLog.line(`# eval: ${JSON.stringify(evalCmd)}`);
  for (const [name, value] of Object.entries(trialVars)) evalLog.line(`# env ${name}=${value}`);

  const progress = input.onProgress ?? (() => undefined);
  const signal = input.signal;
  const runs: EvalRunRecord[] = [];
  let service: ServiceProcess | undefined;
  let portFree = true;

  const finish = async (
    status: ServiceStatus,
    phase: ServicePhase,
    failure?: { reason: CommandFailReason; error: string },
  ): Promise<ServiceTrialOutcome> => {
    if (service) {
      await service.stop((spec.killGraceSeconds ?? SERVICE_DEFAULTS.killGraceSeconds) * 1000);
      const freeMs = (spec.portFreeTimeoutSeconds ?? SERVICE_DEFAULTS.portFreeTimeoutSeconds) * 1000;
      portFree = await waitPortClosed(host, spec.port, freeMs);
      if (!portFree) progress('the port is still open after the service was stopped', { port: spec.port });
    }
    if (spec.cooldownSeconds) await sleep(spec.cooldownSeconds * 1000, signal);
    const good = runs.filter((r) => r.ok);
    const metricStats = aggregateMetrics(good.map((r) => r.metrics));
    const metrics = Object.fromEntries(Object.entries(metricStats).map(([k, s]) => [k, s.mean]));
    const outcome: ServiceTrialOutcome = {
      status,
      phase,
      state: failure ? 'FAIL' : 'COMPLETE',
      ...(failure ? { failReason: failure.reason, error: failure.error } : { values: meanValues(good.map((r) => r.values!)) }),
      metrics,
      metricStats,
      runs,
      okRuns: good.length,
      ...(service ? { servicePid: service.pid } : {}),
      serviceLog,
      evalLog: evalLog.path,
      portFree,
      durationMs: Math.round(performance.now() - started),
    };
    await evalLog.close([
      `# ended ${status} in phase ${phase} after ${outcome.durationMs} ms, ${good.length}/${runs.length} eval run(s) ok` +
        (failure ? `: ${failure.error.split('\n')[0]}` : ''),
    ]);
    return outcome;
  };
  const interrupted = (phase: ServicePhase) =>
    finish('interrupted', phase, { reason: 'interrupted', error: 'interrupted: the worker stopped the trial' });

  // 1. The port must be free: wait and retry; stop a leftover listener only when its command line matches.
  const retries = spec.portBusyRetries ?? SERVICE_DEFAULTS.portBusyRetries;
  const waitMs = (spec.portBusyWaitSeconds ?? SERVICE_DEFAULTS.portBusyWaitSeconds) * 1000;
  for (let attempt = 0; await isPortOpen(host, spec.port); attempt++) {
    if (signal?.aborted) return interrupted('startup');
    const holders = listeningPids(spec.port).map((pid) => `${pid} (${commandLineOf(pid) ?? '?'})`);
    if (spec.portBusyKill) {
      const found = await stopMatchingListeners(spec.port, new RegExp(spec.portBusyKill.commandPattern), 5_000);
      for (const f of found) progress(f.matched ? 'stopped a leftover process on the port' : 'port held by a process that does not match portBusyKill; left alone', { holderPid: f.pid, commandLine: f.commandLine });
      if (found.some((f) => f.matched) && (await waitPortClosed(host, spec.port, 5_000))) break;
    }
    if (attempt >= retries) {
      const who = holders.length > 0 ? `; held by ${holders.join(', ')}` : '';
      return finish('failed', 'startup', {
        reason: 'error',
        error: `port ${spec.port} on ${host} was still busy after ${retries} retries of ${waitMs / 1000} s${who}`,
      });
    }
    progress('port busy, waiting', { port: spec.port, attempt: attempt + 1, retries, holders });
    await sleep(waitMs, signal);
  }
  if (signal?.aborted) return interrupted('startup');

  // 2. Start the service in its own process group.
  const [file, args] = toArgv(startCmd);
  try {
    service = await ServiceProcess.start({
      file,
      args,
      cwd,
      env,
      logFile: serviceLog,
      header: [
        `# swarmtune study ${input.study}, trial ${input.trialNumber}: ${JSON.stringify(startCmd)}`,
        `# cwd: ${cwd}`,
        `# started ${new Date().toISOString()}`,
      ],
    });
  } catch (err) {
    return finish('failed', 'startup', { reason: 'error', error: `could not start the service: ${(err as Error).message}` });
  }
  input.onServiceSpawn?.(service.pid);

  // 3. Wait until it answers.
  const probe = readyProbe(spec, host);
  const startupSeconds = spec.startupTimeoutSeconds ?? SERVICE_DEFAULTS.startupTimeoutSeconds;
  const readyBy = Date.now() + startupSeconds * 1000;
  for (;;) {
    if (signal?.aborted) return interrupted('startup');
    const exit = service.exit;
    if (exit) {
      const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
      const tail = await logTail(serviceLog);
      return finish('crashed', 'startup', {
        reason: 'crashed',
        error: `the service ${how} before it was ready${tail ? `; its last output:\n${tail}` : ''}`,
      });
    }
    if (await probeOnce(probe, Math.min(2_000, Math.max(100, readyBy - Date.now())))) break;
    if (Date.now() >= readyBy) {
      return finish('timeout', 'startup', {
        reason: 'timeout',
        error: `the service was not ready within ${startupSeconds} s (${describeProbe(probe)})`,
      });
    }
    await sleep(READY_POLL_MS, signal);
  }
  progress('service ready', { servicePid: service.pid, seconds: Math.round(performance.now() - started) / 1000 });

  // 4. The eval runs.
  const total = spec.evalRuns ?? SERVICE_DEFAULTS.evalRuns;
  const [evalFile, evalArgs] = toArgv(evalCmd);
  for (let run = 1; run <= total; run++) {
    if (signal?.aborted) return interrupted('eval');
    evalLog.line(`# eval run ${run}/${total} started ${new Date().toISOString()}`);
    const parser = new OutputParser({
      objectives: input.objectives,
      ...(spec.value !== undefined ? { valueKey: spec.value } : {}),
      ...(spec.metrics ? { regexes: spec.metrics } : {}),
    });
    const lines = new LineSplitter((line, truncated) => void parser.acceptLine(line, truncated), MAX_STDOUT_LINE);
    let stderrTail = '';
    const runStarted = performance.now();
    const result = await runInProcessGroup({
      file: evalFile,
      args: evalArgs,
      cwd,
      env: { ...env, SWARMTUNE_EVAL_RUN: String(run) },
      ...(spec.evalTimeoutSeconds !== undefined ? { timeoutMs: spec.evalTimeoutSeconds * 1000 } : {}),
      killGraceMs: (spec.killGraceSeconds ?? SERVICE_DEFAULTS.killGraceSeconds) * 1000,
      ...(signal ? { signal } : {}),
      onStdout: (chunk) => {
        lines.push(chunk);
        return evalLog.write('stdout', chunk) ? undefined : evalLog.drained();
      },
      onStderr: (chunk) => {
        stderrTail = (stderrTail + chunk).slice(-4_000);
        return evalLog.write('stderr', chunk) ? undefined : evalLog.drained();
      },
    });
    lines.end();
    const parsed = parser.finish();
    const record: EvalRunRecord = {
      run,
      ok: false,
      metrics: parsed.metrics,
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: Math.round(performance.now() - runStarted),
    };
    const stderrLines = stderrTail.trim().split('\n').slice(-5).join(' | ');
    if (result.stoppedBy === 'abort') return interrupted('eval');
    if (result.spawnError !== undefined) Object.assign(record, { failReason: 'error', error: `could not start the eval: ${result.spawnError}` });
    else if (result.stoppedBy === 'timeout') Object.assign(record, { failReason: 'timeout', error: `eval run timed out after ${spec.evalTimeoutSeconds} s` });
    else if (result.signal !== null) Object.assign(record, { failReason: 'crashed', error: `eval killed by ${result.signal}` });
    else if (result.exitCode !== 0) Object.assign(record, { failReason: 'error', error: `eval exit code ${result.exitCode}${stderrLines ? `: ${stderrLines}` : ''}` });
    else if (!parsed.ok) Object.assign(record, { failReason: 'invalid_output', error: parsed.problem });
    else Object.assign(record, { ok: true, values: parsed.values });
    runs.push(record);
    evalLog.line(`# eval run ${run}/${total}: ${record.ok ? `ok ${JSON.stringify(record.metrics)}` : `FAIL(${record.failReason}) ${record.error}`}`);
    progress(`eval run ${run}/${total} ${record.ok ? 'ok' : 'failed'}`, record.ok ? { metrics: record.metrics } : { error: record.error });

    const exit = service.exit;
    if (exit || !service.groupAlive) {
      const how = exit ? (exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`) : 'is gone';
      const tail = await logTail(serviceLog);
      return finish('crashed', 'eval', {
        reason: 'crashed',
        error: `the service ${how} during eval run ${run}/${total}${tail ? `; its last output:\n${tail}` : ''}`,
      });
    }
  }

  const good = runs.filter((r) => r.ok).length;
  if (good === total) return finish('ok', 'eval');
  if (good > 0) return finish('partial', 'eval');
  const reasons = new Set(runs.map((r) => r.failReason));
  const reason: CommandFailReason = reasons.size === 1 ? runs[0]!.failReason! : 'error';
  const error = `all ${total} eval run(s) failed; last: ${runs.at(-1)?.error ?? '?'}`;
  return finish(reason === 'timeout' ? 'timeout' : 'failed', 'eval', { reason, error });
}
