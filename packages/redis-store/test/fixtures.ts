import type { StudySpec, WorkerInfo } from '@swarmtune/core';

export function spec(name: string, maxTrials?: number): StudySpec {
  return {
    name,
    objectives: [{ name: 'loss', direction: 'minimize' }],
    searchSpace: {},
    sampler: { name: 'random' },
    limits: maxTrials === undefined ? {} : { maxTrials },
  };
}

export function worker(id: string): WorkerInfo {
  return { host: 'test-host', workerId: id, pid: 1000 };
}

/** Polls `check` until it holds, or fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
