import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startCli, tempDir, type CliResult } from './cli.js';

export const countingObjective = join(repoRoot, 'test/fixtures/counting-objective.cjs');
export const gatedObjective = join(repoRoot, 'test/fixtures/gated-objective.cjs');

/** 3 integer params of 5 values each: 125 configurations. */
export const discrete125 = {
  a: { _type: 'randint', _value: [0, 5] },
  b: { _type: 'randint', _value: [0, 5] },
  c: { _type: 'randint', _value: [0, 5] },
};

export interface ClusterDir {
  dir: string;
  experiment: string;
  runsLog: string;
  pidDir: string;
  /** Every real run of the objective: `key|trialNumber|pid`. */
  runs(): Array<{ key: string; trial: number; pid: number }>;
}

export function clusterDir(options: {
  name: string;
  space?: Record<string, unknown>;
  maxTrials: number;
  sampler?: Record<string, unknown>;
  objectiveScript?: string;
  workMs?: number;
  heartbeat?: { intervalSeconds: number; graceSeconds: number };
}): ClusterDir {
  const dir = tempDir('swarmtune-cluster-');
  const runsLog = join(dir, 'runs.log');
  const pidDir = join(dir, 'pids');
  mkdirSync(pidDir);
  writeFileSync(runsLog, '');
  const experiment = join(dir, 'experiment.json');
  writeFileSync(
    experiment,
    JSON.stringify(
      {
        name: options.name,
        searchSpace: options.space ?? discrete125,
        sampler: options.sampler ?? { name: 'tpe', constantLiar: true },
        limits: { maxTrials: options.maxTrials },
        seed: 7,
        ...(options.heartbeat ? { heartbeat: options.heartbeat } : {}),
        objective: {
          type: 'command',
          command: ['node', options.objectiveScript ?? countingObjective],
          env: { RUNS_LOG: runsLog, PID_DIR: pidDir, WORK_MS: String(options.workMs ?? 20) },
          killGraceSeconds: 2,
        },
      },
      null,
      2,
    ),
  );
  return {
    dir,
    experiment,
    runsLog,
    pidDir,
    runs: () =>
      readFileSync(runsLog, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [key, trial, pid] = line.split('|');
          return { key: key!, trial: Number(trial), pid: Number(pid) };
        }),
  };
}

export function startWorker(store: string, study: string, host: string, cwd: string, extra: string[] = []) {
  return startCli(['worker', 'start', '--store', store, '--study', study, ...extra], {
    cwd,
    env: { SWARMTUNE_HOST: host, SWARMTUNE_LOG_DIR: join(cwd, 'logs'), SWARMTUNE_LOG_LEVEL: 'info' },
  });
}

export function readPids(pidDir: string, trial: number): { pid: number; grandchild: number } | undefined {
  const f = join(pidDir, `${trial}.json`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { pid: number; grandchild: number }) : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function describeExit(r: CliResult): string {
  return `code=${r.code} signal=${r.signal}\n${r.stderr.slice(-3000)}`;
}
