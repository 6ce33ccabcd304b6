// The Optuna side: Debian's own interpreter (/usr/bin/python3) with python3-optuna and python3-redis.
// Installs them with apt-get when missing and we are root; otherwise stops with one message.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
export const OPTUNA_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'optuna', 'bench_optuna.py');

function optunaVersion() {
  const r = spawnSync(PYTHON, ['-c', 'import optuna, redis, sqlalchemy; print(optuna.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

let checked = null;

export function ensureOptuna() {
  if (checked) return checked;
  let version = optunaVersion();
  if (!version) {
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
    if (!root || !hasApt) {
      throw new Error(`Optuna is missing for ${PYTHON}: install it (Debian: apt-get install -y python3-optuna python3-redis) and run the bench again.`);
    }
    console.error('Optuna is missing: installing python3-optuna python3-redis with apt-get...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'python3-optuna', 'python3-redis'], { stdio: 'inherit', env });
    version = optunaVersion();
    if (!version) throw new Error(`Optuna is still not importable by ${PYTHON} after apt-get install.`);
  }
  checked = version;
  return version;
}

/** Runs `bench_optuna.py COMMAND` with a JSON request on stdin; resolves with its JSON reply (last stdout line). */
export function runOptuna(command, request) {
  return new Promise((resolve, reject) => {
    const proc = spawn(PYTHON, [OPTUNA_SCRIPT, command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (c) => (out += c));
    proc.stderr.on('data', (c) => (err = (err + c).slice(-4000)));
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench_optuna.py ${command} exited ${code}: ${err}`));
      const last = out.trim().split('\n').pop();
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`bench_optuna.py ${command}: no JSON reply: ${out.slice(-500)} ${err}`));
      }
    });
    proc.stdin.end(JSON.stringify(request));
  });
}

// Optuna's TPE is the slow side of the quality suites: one process per core keeps both cores busy.
const optunaSlots = Math.max(1, cpus().length);
let optunaRunning = 0;
const optunaWaiting = [];

/** `runOptuna`, at most one process per core at a time; the rest wait their turn in call order. */
export async function runOptunaQueued(command, request) {
  // A finishing run hands its slot straight to the next waiter, so the count never overshoots.
  if (optunaRunning >= optunaSlots) await new Promise((resolve) => optunaWaiting.push(resolve));
  else optunaRunning++;
  try {
    return await runOptuna(command, request);
  } finally {
    const next = optunaWaiting.shift();
    if (next) next();
    else optunaRunning--;
  }
}

/** Starts a long-running `bench_optuna.py COMMAND` process (cluster/duplicates workers). */
export function spawnOptuna(command, request) {
  const proc = spawn(PYTHON, [OPTUNA_SCRIPT, command, JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (c) => (err = (err + c).slice(-4000)));
  proc.stderrTail = () => err;
  return proc;
}
