import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from './helpers/cli.js';

describe('README command 1: the quickstart', () => {
  it('runs the quickstart experiment to the end and prints the best trial', async () => {
    const dir = tempDir();
    const store = `file:${join(dir, 'studies.jsonl')}`;
    const env = { SWARMTUNE_LOG_DIR: join(dir, 'logs') };
    const res = await runCli(['run', 'examples/quickstart/experiment.yaml', '--store', store, '--json'], { cwd: repoRoot, env });
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout.trim()) as { state: string; best: { value: number; params: Record<string, unknown> } };
    expect(out.state).toBe('DONE');
    expect(out.best.params).toHaveProperty('activation');
    expect(typeof out.best.params.layers).toBe('number');
    expect(Number.isInteger(out.best.params.layers)).toBe(true);
    // 40 TPE trials on this 4-parameter bowl (random search's median best is ~0.5 here)
    expect(out.best.value).toBeLessThan(1);

    const trials = await runCli(['study', 'trials', 'quickstart', '--json', '--store', store]);
    const list = JSON.parse(trials.stdout) as Array<{ state: string; reusedFrom?: number; host: string }>;
    const evaluated = list.filter((t) => t.state === 'COMPLETE' && t.reusedFrom === undefined);
    expect(evaluated).toHaveLength(40);
    expect(list.some((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toBe(false);

    // running it again resumes the DONE study and prints the same best trial
    const again = await runCli(['run', 'examples/quickstart/experiment.yaml', '--store', store, '--json'], { cwd: repoRoot, env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim()).best).toEqual(out.best);
  });
});
