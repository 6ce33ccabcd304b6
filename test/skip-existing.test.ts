// Issue 7: `swarmtune run --results FILE --skip-existing` after a run that was interrupted in the middle of a
// trial (SIGTERM) reruns no configuration that finished, and reruns the interrupted one.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, startCli, tempDir, waitFor } from './helpers/cli.js';
import { describeExit } from './helpers/cluster.js';

const objective = join(repoRoot, 'test/fixtures/held-objective.cjs');

describe('--skip-existing after an interrupted run', () => {
  it('does not rerun finished keys; the interrupted key runs again; every key ends with one finished record', async () => {
    const dir = tempDir('swarmtune-skip-');
    const runsLog = join(dir, 'runs.log');
    const release = join(dir, 'release');
    writeFileSync(runsLog, '');
    const experiment = join(dir, 'experiment.json');
    writeFileSync(
      experiment,
      JSON.stringify({
        name: 'resume',
        searchSpace: { x: { _type: 'choice', _value: [0, 1, 2, 3, 4, 5] } },
        sampler: { name: 'grid' },
        limits: { maxTrials: 6 },
        objective: { type: 'command', command: ['node', objective], env: { RUNS_LOG: runsLog, HOLD_X: '3', RELEASE: release } },
      }),
    );
    const results = join(dir, 'results.jsonl');
    // memory: the study itself is lost with the process, as when a tuner script dies: only the results file remains
    const args = ['run', experiment, '--store', 'memory:', '--results', results, '--status', join(dir, 'status.json'), '--best', join(dir, 'best.json')];
    const env = { SWARMTUNE_LOG_DIR: join(dir, 'logs') };
    const runs = () => readFileSync(runsLog, 'utf8').split('\n').filter(Boolean).map((l) => Number(l.split('|')[0]));
    const records = () => (existsSync(results) ? readFileSync(results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

    const first = startCli(args, { env });
    // x = 3 is running (and held) once 0, 1 and 2 are in the results file
    await waitFor(() => records().length === 3 && runs().includes(3), 'three finished trials and x = 3 running');
    first.kill('SIGTERM');
    const stopped = await first.result;
    expect(stopped.code, describeExit(stopped)).toBe(0);
    const afterFirst = records();
    expect(afterFirst.map((r) => [r.params.x, r.status])).toEqual([
      [0, 'ok'],
      [1, 'ok'],
      [2, 'ok'],
      [3, 'interrupted'],
    ]);
    expect(runs()).toEqual([0, 1, 2, 3]);

    writeFileSync(release, '');
    const second = await runCli([...args, '--skip-existing'], { env });
    expect(second.code, describeExit(second)).toBe(0);
    expect(second.stdout).toMatch(/study resume: DONE/);
    // Only the interrupted key and the keys never tried ran again.
    expect(runs()).toEqual([0, 1, 2, 3, 3, 4, 5]);
    const all = records();
    expect(all.slice(0, 4)).toEqual(afterFirst);
    expect(all.slice(4).map((r) => [r.params.x, r.status])).toEqual([
      [3, 'ok'],
      [4, 'ok'],
      [5, 'ok'],
    ]);
    const finished = all.filter((r) => r.status !== 'interrupted').map((r) => r.trialKey);
    expect(finished.sort()).toEqual([0, 1, 2, 3, 4, 5].map((x) => JSON.stringify({ x })));
    const status = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8'));
    expect(status).toMatchObject({ state: 'ended', studyState: 'DONE', finished: 6, counts: { ok: 6 }, running: [] });
    expect(status.best).toMatchObject({ params: { x: 0 }, values: [0] });
    expect(JSON.parse(readFileSync(join(dir, 'best.json'), 'utf8'))).toEqual({ x: 0 });
  });
});
