import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { isProcessGroupAlive, killProcessGroup } from '../src/index.js';
import { waitUntilProcessGone } from './helpers.js';

/** Starts `script` with /bin/sh as a group leader and resolves once it printed `ready <pids>`. */
async function startGroup(script: string): Promise<{ leader: number; pids: number[] }> {
  const sub = execa('/bin/sh', ['-c', script], { detached: true, stdin: 'ignore', buffer: false, reject: false });
  const leader = sub.pid!;
  const pids = await new Promise<number[]>((resolve, reject) => {
    let text = '';
    sub.stdout!.setEncoding('utf8');
    sub.stdout!.on('data', (chunk: string) => {
      text += chunk;
      const m = /ready([ 0-9]*)\n/.exec(text);
      if (m) resolve(m[1]!.trim().split(' ').filter(Boolean).map(Number));
    });
    sub.once('exit', () => reject(new Error(`exited before ready: ${text}`)));
  });
  return { leader, pids };
}

describe('killProcessGroup', () => {
  it('terminates a group whose members stop on SIGTERM, grandchild included', async () => {
    const { leader, pids } = await startGroup(`sh -c 'sleep 30' & echo ready $!; wait`);
    expect(isProcessGroupAlive(leader)).toBe(true);
    expect(await killProcessGroup(leader, 5_000)).toBe('terminated');
    expect(isProcessGroupAlive(leader)).toBe(false);
    await waitUntilProcessGone(pids[0]!);
    await waitUntilProcessGone(leader);
  });

  it('sends SIGKILL after the grace to a member that ignores SIGTERM', async () => {
    const { leader, pids } = await startGroup(`sh -c "trap '' TERM; echo ready \\$\\$; exec sleep 30" & wait`);
    const started = Date.now();
    expect(await killProcessGroup(leader, 300)).toBe('killed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(isProcessGroupAlive(leader)).toBe(false);
    await waitUntilProcessGone(pids[0]!);
  });

  it('is safe when the group is already gone, and refuses pids that are not a group', async () => {
    const { leader } = await startGroup('echo ready');
    await waitUntilProcessGone(leader);
    expect(await killProcessGroup(leader, 100)).toBe('already_gone');
    await expect(killProcessGroup(0, 100)).rejects.toThrow(RangeError);
    await expect(killProcessGroup(1, 100)).rejects.toThrow(RangeError);
    await expect(killProcessGroup(-5, 100)).rejects.toThrow(RangeError);
  });
});
