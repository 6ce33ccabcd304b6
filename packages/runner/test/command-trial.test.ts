import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, type ObjectiveSpec } from '@swarmtune/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isProcessGroupAlive,
  parseCommandObjective,
  runCommandTrial,
  toTrialResult,
  type CommandObjective,
  type CommandTrialInput,
  type CommandTrialOutcome,
} from '../src/index.js';
import { nodeScript, tempDir, waitUntilProcessGone } from './helpers.js';

const single: ObjectiveSpec[] = [{ name: 'loss', direction: 'minimize' }];
const node = JSON.stringify(process.execPath);

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function objective(raw: Record<string, unknown>): CommandObjective {
  return parseCommandObjective({ type: 'command', ...raw });
}

function trialInput(extra: Partial<CommandTrialInput> = {}): CommandTrialInput {
  return {
    params: { lr: 0.01 },
    trialNumber: 7,
    study: 'demo',
    trialId: 'tr-7',
    baseDir: dir,
    logDir: join(dir, 'logs'),
    objectives: single,
    ...extra,
  };
}

function failed(outcome: CommandTrialOutcome) {
  if (outcome.state !== 'FAIL') throw new Error(`expected FAIL, got COMPLETE ${JSON.stringify(outcome.values)}`);
  return outcome;
}

function completed(outcome: CommandTrialOutcome) {
  if (outcome.state !== 'COMPLETE') throw new Error(`expected COMPLETE, got FAIL(${outcome.failReason}) ${outcome.error}`);
  return outcome;
}

/** Runs until a line `<label>=<pid>` appears, then hands the pid to `onPid`. */
function pidWatcher(label: string, onPid: (pid: number) => void) {
  const seen: number[] = [];
  return {
    seen,
    onStdoutLine: (line: string) => {
      const m = new RegExp(`^${label}=(\\d+)$`).exec(line.trim());
      if (m) {
        seen.push(Number(m[1]));
        onPid(Number(m[1]));
      }
    },
  };
}

describe('runCommandTrial: params reach the command', () => {
  it('as env vars, paramEnv names, template arguments and a params file; with trial vars, env and cwd', async () => {
    const report = join(dir, 'received.json');
    const [, script] = nodeScript(
      dir,
      'echo-params.mjs',
      `import { readFileSync, writeFileSync } from 'node:fs';
       const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SWARMTUNE_') || ['LEARNING_RATE', 'EXTRA', 'SLOT'].includes(k)));
       writeFileSync(${JSON.stringify(report)}, JSON.stringify({ argv: process.argv.slice(2), env, cwd: process.cwd(),
         file: JSON.parse(readFileSync(process.env.SWARMTUNE_PARAMS_FILE, 'utf8')) }));
       console.error('a warning on stderr');
       console.log(JSON.stringify({ value: 0.5 }));`,
    );
    const params = { lr: 0.001, name: "it's a b", 'batch-size': 32, deep: true };
    const spec = objective({
      command: `${node} ${JSON.stringify(script)} --lr {{lr}} --name {{name}} --deep={{deep}}`,
      cwd: 'work/..',
      env: { EXTRA: '1' },
      paramEnv: { lr: 'LEARNING_RATE' },
    });
    const outcome = completed(await runCommandTrial(spec, trialInput({ params, env: { SLOT: '3' } })));
    expect(outcome.values).toEqual([0.5]);

    const got = JSON.parse(readFileSync(report, 'utf8'));
    expect(got.argv).toEqual(['--lr', '0.001', '--name', "it's a b", '--deep=true']);
    expect(got.cwd).toBe(dir);
    expect(got.file).toEqual(params);
    expect(got.env).toEqual({
      SWARMTUNE_PARAM_LR: '0.001',
      SWARMTUNE_PARAM_NAME: "it's a b",
      SWARMTUNE_PARAM_BATCH_SIZE: '32',
      SWARMTUNE_PARAM_DEEP: 'true',
      LEARNING_RATE: '0.001',
      EXTRA: '1',
      SLOT: '3',
      SWARMTUNE_PARAMS_FILE: join(dir, 'logs', 'trial-7.params.json'),
      SWARMTUNE_TRIAL_NUMBER: '7',
      SWARMTUNE_TRIAL_ID: 'tr-7',
      SWARMTUNE_STUDY: 'demo',
    });

    const log = readFileSync(outcome.logFile, 'utf8');
    expect(outcome.logFile).toBe(join(dir, 'logs', 'trial-7.log'));
    expect(log).toContain('--name ');
    expect(log).toContain('# env SWARMTUNE_PARAM_LR=0.001');
    expect(log).toContain('[stderr] a warning on stderr');
    expect(log).toContain('{"value":0.5}');
    expect(log).toMatch(/# ended with exit code 0 .*COMPLETE values=\[0.5\]/);
  });

  it('fills argv elements without a shell', async () => {
    const [nodePath, script] = nodeScript(dir, 'argv.mjs', `console.log(JSON.stringify({ value: Number(process.argv[2]) * 2, n: process.argv.length }))`);
    const spec = objective({ command: [nodePath, script, '{{lr}}'] });
    const outcome = completed(await runCommandTrial(spec, trialInput({ params: { lr: 0.25 } })));
    expect(outcome.values).toEqual([0.5]);
    expect(outcome.metrics).toEqual({ value: 0.5, n: 3 });
  });

  it('rejects an unknown template variable with an InputError before running anything', async () => {
    const spec = objective({ command: 'touch ran; echo {{layers}}' });
    const err = await runCommandTrial(spec, trialInput()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).where).toBe('objective.command');
    expect((err as InputError).message).toContain('{{layers}}');
    expect(() => statSync(join(dir, 'ran'))).toThrow();
  });
});

describe('runCommandTrial: objectives', () => {
  it('refuses objective.value with several objectives, and no objectives at all', async () => {
    const objectives: ObjectiveSpec[] = [
      { name: 'loss', direction: 'minimize' },
      { name: 'acc', direction: 'maximize' },
    ];
    const spec = objective({ command: 'touch ran', value: 'loss' });
    await expect(runCommandTrial(spec, trialInput({ objectives }))).rejects.toThrow(/objective.value: only applies/);
    await expect(runCommandTrial(objective({ command: 'touch ran' }), trialInput({ objectives: [] }))).rejects.toThrow(
      InputError,
    );
    expect(() => statSync(join(dir, 'ran'))).toThrow();
  });
});

describe('runCommandTrial: metrics', () => {
  it('reads the last JSON line, intermediate steps and regex metrics for several objectives', async () => {
    const argv = nodeScript(
      dir,
      'train.mjs',
      `for (let s = 0; s < 3; s++) console.log(JSON.stringify({ step: s, value: 1 / (s + 1) }));
       console.log('epoch done acc=0.91');
       console.log(JSON.stringify({ metrics: { loss: 0.3, time: 12 } }));
       console.log('trailing chatter');`,
    );
    const objectives: ObjectiveSpec[] = [
      { name: 'loss', direction: 'minimize' },
      { name: 'acc', direction: 'maximize' },
    ];
    const live: number[] = [];
    const spec = objective({ command: argv, metrics: { acc: 'acc=([0-9.]+)', loss: 'loss=([0-9.]+)' } });
    const outcome = completed(
      await runCommandTrial(spec, trialInput({ objectives, onIntermediate: (p) => live.push(p.step) })),
    );
    expect(outcome.values).toEqual([0.3, 0.91]);
    expect(outcome.metrics).toEqual({ loss: 0.3, time: 12, acc: 0.91 });
    expect(outcome.intermediate).toEqual([
      { step: 0, value: 1 },
      { step: 1, value: 0.5 },
      { step: 2, value: 1 / 3 },
    ]);
    expect(live).toEqual([0, 1, 2]);
    const result = toTrialResult(outcome);
    expect(result).toMatchObject({ state: 'COMPLETE', values: [0.3, 0.91], attrs: { logFile: outcome.logFile, exitCode: 0 } });
    expect(result.failReason).toBeUndefined();
  });

  it('uses objective.value to pick the metric of a single objective', async () => {
    const spec = objective({ command: `echo "val_loss=0.125 train_loss=0.5"`, metrics: { val: 'val_loss=([0-9.]+)', train: 'train_loss=([0-9.]+)' }, value: 'val' });
    expect(completed(await runCommandTrial(spec, trialInput())).values).toEqual([0.125]);
  });

  it('parses the final line after megabytes of output and an over-long line, logging all of it', async () => {
    const argv = nodeScript(
      dir,
      'chatty.mjs',
      `const line = 'x'.repeat(1000) + '\\n';
       process.stdout.write(line.repeat(3000));
       process.stdout.write('y'.repeat(2 * 1024 * 1024) + '\\n');
       process.stdout.write(JSON.stringify({ value: 42 }) + '\\n');`,
    );
    const outcome = completed(await runCommandTrial(objective({ command: argv }), trialInput()));
    expect(outcome.values).toEqual([42]);
    expect(statSync(outcome.logFile).size).toBeGreaterThan(3000 * 1001 + 2 * 1024 * 1024);
  });

  it('fails invalid_output on output without metrics, saying what was expected and what came', async () => {
    const outcome = failed(await runCommandTrial(objective({ command: 'echo hello; echo "loss is low"' }), trialInput()));
    expect(outcome.failReason).toBe('invalid_output');
    expect(outcome.error).toMatch(/no metrics in the output: expected a JSON object line/);
    expect(outcome.error).toContain('loss is low');
    expect(outcome.exitCode).toBe(0);
  });

  it('fails invalid_output on a NaN value and on a missing objective metric', async () => {
    const nan = failed(await runCommandTrial(objective({ command: `echo '{"value": NaN}'` }), trialInput()));
    expect(nan.failReason).toBe('invalid_output');
    expect(nan.error).toMatch(/"value" is NaN/);

    const objectives: ObjectiveSpec[] = [
      { name: 'loss', direction: 'minimize' },
      { name: 'acc', direction: 'maximize' },
    ];
    const missing = failed(await runCommandTrial(objective({ command: `echo '{"loss": 0.1}'` }), trialInput({ objectives })));
    expect(missing.failReason).toBe('invalid_output');
    expect(missing.error).toMatch(/expected the metric "acc" for objective "acc", got metrics: loss/);
    expect(missing.metrics).toEqual({ loss: 0.1 });
  });
});

describe('runCommandTrial: failures', () => {
  it('fails error on a non-zero exit with the tail of stderr', async () => {
    const argv = nodeScript(
      dir,
      'fail.mjs',
      `for (let i = 0; i < 30; i++) console.error('problem line ' + i);
       console.log(JSON.stringify({ value: 1 }));
       process.exit(3);`,
    );
    const outcome = failed(await runCommandTrial(objective({ command: argv }), trialInput()));
    expect(outcome.failReason).toBe('error');
    expect(outcome.exitCode).toBe(3);
    expect(outcome.error).toMatch(/^exit code 3; stderr:\n/);
    expect(outcome.error).toContain('problem line 29');
    expect(outcome.error).not.toContain('problem line 9\n');
    expect(toTrialResult(outcome)).toMatchObject({ state: 'FAIL', failReason: 'error', error: outcome.error });
  });

  it('fails error when the command cannot start', async () => {
    const outcome = failed(await runCommandTrial(objective({ command: [join(dir, 'missing-binary')] }), trialInput()));
    expect(outcome.failReason).toBe('error');
    expect(outcome.error).toMatch(/could not start the command: .*ENOENT/);
    expect(outcome.pid).toBeUndefined();
  });

  it('fails crashed when a signal we did not send ends the process', async () => {
    const argv = nodeScript(dir, 'crash.mjs', `process.kill(process.pid, 'SIGKILL');`);
    const direct = failed(await runCommandTrial(objective({ command: argv }), trialInput()));
    expect(direct.failReason).toBe('crashed');
    expect(direct.signal).toBe('SIGKILL');

    const viaShell = failed(await runCommandTrial(objective({ command: `sh -c 'kill -SEGV $$'; exit $?` }), trialInput()));
    expect(viaShell.failReason).toBe('crashed');
    expect(viaShell.error).toMatch(/killed by SIGSEGV \(exit status 139\)/);
  });
});

describe('runCommandTrial: stopping the process group', () => {
  it('on timeout kills the whole group, a SIGTERM-ignoring grandchild included', async () => {
    const grandchildren: number[] = [];
    const watcher = pidWatcher('grandchild', (pid) => grandchildren.push(pid));
    let leader = 0;
    // The leader (sh) starts a child sh that ignores SIGTERM and execs sleep: only SIGKILL to the group ends it.
    const spec = objective({
      command: `sh -c "trap '' TERM; echo grandchild=\\$\\$; exec sleep 60" & wait`,
      timeoutSeconds: 1.5,
      killGraceSeconds: 0.3,
    });
    const started = Date.now();
    const outcome = failed(
      await runCommandTrial(spec, trialInput({ onStdoutLine: watcher.onStdoutLine, onSpawn: (pid) => (leader = pid) })),
    );
    expect(outcome.failReason).toBe('timeout');
    expect(outcome.error).toMatch(/timed out after 1.5 s/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(grandchildren).toHaveLength(1);
    expect(outcome.pid).toBe(leader);
    expect(isProcessGroupAlive(leader)).toBe(false);
    await waitUntilProcessGone(grandchildren[0]!);
    await waitUntilProcessGone(leader);
  });

  it('on abort stops the group and reports interrupted', async () => {
    const controller = new AbortController();
    const watcher = pidWatcher('grandchild', () => controller.abort());
    const argv = nodeScript(
      dir,
      'spawner.mjs',
      `import { spawn } from 'node:child_process';
       const child = spawn('sh', ['-c', 'echo grandchild=$$; exec sleep 60'], { stdio: ['ignore', 'inherit', 'inherit'] });
       setInterval(() => {}, 1000);`,
    );
    const spec = objective({ command: argv, killGraceSeconds: 5 });
    const outcome = failed(
      await runCommandTrial(spec, trialInput({ signal: controller.signal, onStdoutLine: watcher.onStdoutLine })),
    );
    expect(outcome.failReason).toBe('interrupted');
    expect(outcome.signal).toBe('SIGTERM');
    expect(watcher.seen).toHaveLength(1);
    expect(isProcessGroupAlive(outcome.pid!)).toBe(false);
    await waitUntilProcessGone(watcher.seen[0]!);
    await waitUntilProcessGone(outcome.pid!);
    expect(toTrialResult(outcome)).toMatchObject({ state: 'FAIL', failReason: 'interrupted' });
  });

  it('does not start anything when the signal already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = failed(
      await runCommandTrial(objective({ command: 'touch ran' }), trialInput({ signal: controller.signal })),
    );
    expect(outcome.failReason).toBe('interrupted');
    expect(outcome.pid).toBeUndefined();
    expect(() => statSync(join(dir, 'ran'))).toThrow();
  });

  it('stops background processes the command left behind when it exits', async () => {
    const watcher = pidWatcher('background', () => {});
    const spec = objective({ command: `sleep 60 & echo background=$!; echo '{"value": 1}'` });
    const outcome = completed(await runCommandTrial(spec, trialInput({ onStdoutLine: watcher.onStdoutLine })));
    expect(outcome.values).toEqual([1]);
    expect(watcher.seen).toHaveLength(1);
    expect(isProcessGroupAlive(outcome.pid!)).toBe(false);
    await waitUntilProcessGone(watcher.seen[0]!);
  });
});
