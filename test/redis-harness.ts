// Starts throw-away redis-server processes on free loopback ports for tests. Never uses port 6379.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  password?: string;
  /** Keep data across restart() and kill() (appendonly, fsync always, in a temp dir); otherwise it comes back empty. */
  persistent?: boolean;
}

export interface RedisServerHandle {
  port: number;
  /** redis://[:password@]127.0.0.1:port */
  url: string;
  stop(): Promise<void>;
  /** Stops (TERM) and starts again on the same port. */
  restart(): Promise<void>;
  /** SIGKILL, as a crash; the server stays down until restart(). */
  kill(): Promise<void>;
}

/** The same handle under a shorter name. */
export type RedisServer = RedisServerHandle;

// Servers still running when the test process exits (a test that failed before stop()) are killed with it.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of live) proc.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const p = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(p));
      });
    });
    if (port !== 6379 && port !== 0) return port;
  }
}

/** One raw PING (with AUTH when needed), so the harness does not depend on the client under test. */
function ping(port: number, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let data = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('+PONG')) done(true);
      else if (data.includes('-LOADING') || (data.includes('-') && !data.includes('+OK'))) done(false);
    });
    socket.connect(port, '127.0.0.1', () => {
      socket.write(password ? `AUTH ${password}\r\nPING\r\n` : 'PING\r\n');
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`redis harness: ${what} within ${timeoutMs} ms`);
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmtune-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;

  const args = () => {
    const a = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no'];
    a.push('--appendonly', options.persistent ? 'yes' : 'no');
    if (options.persistent) a.push('--appendfsync', 'always');
    if (options.password) a.push('--requirepass', options.password);
    return a;
  };

  const launch = async (): Promise<void> => {
    const proc = spawn('redis-server', args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    proc.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    void exited.then(() => live.delete(proc));
    child = proc;
    live.add(proc);
    let gone = false;
    void exited.then(() => (gone = true));
    try {
      await waitFor(async () => {
        if (gone) throw new Error(`redis-server exited: ${output}`);
        return ping(port, options.password);
      }, 10_000, `redis-server on port ${port} did not answer PING`);
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
  };

  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt >= 4 || !String(err).includes('Address already in use')) throw err;
    }
  }

  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    async stop() {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await halt('SIGTERM');
      await launch();
    },
    async kill() {
      await halt('SIGKILL');
    },
  };
}
