import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEmbeddedStore, type Trial } from '@swarmtune/core';
import { runCli, startCli, tempDir, waitFor } from './helpers/cli.js';

const objective = `
const x = Number(process.env.SWARMTUNE_PARAM_X);
setTimeout(() => console.log(JSON.stringify({ value: (x - 0.3) ** 2 })), 150);
`;

describe('swarmtune run killed with SIGKILL mid-study on the file store', () => {
  it('loses no COMPLETE trial, leaves nothing RUNNING after the rerun, and reaches the trial count', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'objective.cjs'), objective);
    writeFileSync(
      join(dir, 'experiment.yaml'),
      `name: killed
searchSpace: { x: { _type: uniform, _value: [0, 1] } }
sampler: random
limits: { maxTrials: 24, trialConcurrency: 2 }
objective: { type: command, command: node objective.cjs }
`,
    );
    const url = `file:${join(dir, 'studies.jsonl')}`;
    const env = { SWARMTUNE_LOG_DIR: join(dir, 'logs') };
    const store = await openEmbeddedStore(url);
    const trials = () => store.getTrials('killed').catch(() => [] as Trial[]);

    const first = startCli(['run', join(dir, 'experiment.yaml'), '--store', url], { env });
    // kill it once some trials are COMPLETE and two are running
    const before = await waitFor(async () => {
      const ts = await trials();
      const complete = ts.filter((t) => t.state === 'COMPLETE');
      return complete.length >= 6 && ts.filter((t) => t.state === 'RUNNING').length === 2 ? ts : undefined;
    }, 'six COMPLETE trials and two RUNNING');
    first.kill('SIGKILL');
    const killed = await first.result;
    expect(killed.signal).toBe('SIGKILL');

    const afterKill = await trials();
    const completeBefore = afterKill.filter((t) => t.state === 'COMPLETE');
    const runningAtKill = afterKill.filter((t) => t.state === 'RUNNING');
    expect(completeBefore.length).toBeGreaterThanOrEqual(before.filter((t) => t.state === 'COMPLETE').length);
    expect(runningAtKill.length).toBeGreaterThan(0);

    const second = await runCli(['run', join(dir, 'experiment.yaml'), '--store', url], { env });
    expect(second.code, second.stderr).toBe(0);

    const final = await trials();
    const byId = new Map(final.map((t) => [t.id, t]));
    for (const t of completeBefore) {
      expect(byId.get(t.id)?.state).toBe('COMPLETE');
      expect(byId.get(t.id)?.values).toEqual(t.values);
    }
    for (const t of runningAtKill) {
      expect(byId.get(t.id)?.state).toBe('FAIL');
      expect(byId.get(t.id)?.failReason).toBe('stale');
    }
    expect(final.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);
    expect(final.filter((t) => t.state === 'COMPLETE')).toHaveLength(24);
    expect((await store.getStudy('killed'))?.state).toBe('DONE');
    await store.close();
  });
});
