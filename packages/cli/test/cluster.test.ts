import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '@swarmtune/core';
import { clusterStatus, formatClusterStatus, hostOnNode, type SwarmNode, type SwarmTask } from '../src/commands/cluster.js';
import type { HostStats } from '../src/commands/report.js';
import { withPasswordFile } from '../src/store-url.js';
import { runCli, tempDir } from '../../../test/helpers/cli.js';
import { startRedisServer, type RedisServer } from '../../../test/redis-harness.js';

const nodes: SwarmNode[] = [
  { ID: 'n2', Description: { Hostname: 'beta' }, Spec: { Role: 'worker', Availability: 'drain' }, Status: { State: 'ready' } },
  { ID: 'n1', Description: { Hostname: 'alpha' }, Spec: { Role: 'manager', Availability: 'active' }, Status: { State: 'ready' }, ManagerStatus: { Leader: true } },
];
const tasks: SwarmTask[] = [
  { ID: 'task-1-new-aaaaaa', NodeID: 'n1', Slot: 1, DesiredState: 'running', Status: { State: 'running', Timestamp: '2025-01-01T00:01:00Z' } },
  { ID: 'task-1-old-bbbbbb', NodeID: 'n1', Slot: 1, DesiredState: 'shutdown', Status: { State: 'failed', Timestamp: '2025-01-01T00:00:00Z', Err: 'task: non-zero exit (2)', ContainerStatus: { ExitCode: 2 } } },
  { ID: 'task-2-cccccccccc', NodeID: 'n1', Slot: 2, DesiredState: 'running', Status: { State: 'starting', Timestamp: '2025-01-01T00:01:00Z' } },
  { ID: 'task-3-dddddddddd', NodeID: 'n2', Slot: 3, DesiredState: 'shutdown', Status: { State: 'complete', Timestamp: '2025-01-01T00:02:00Z', ContainerStatus: { ExitCode: 0 } } },
];
const host = (name: string, complete: number, meanSeconds: number): HostStats => ({ host: name, complete, meanSeconds, medianSeconds: meanSeconds, workers: 1, trialsPerHour: 1 });

describe('cluster status', () => {
  it('matches a host to its node by name or name-suffix only', () => {
    expect(hostOnNode('alpha', 'alpha')).toBe(true);
    expect(hostOnNode('alpha-w2', 'alpha')).toBe(true);
    expect(hostOnNode('alphabet', 'alpha')).toBe(false);
    expect(hostOnNode('beta', 'alpha')).toBe(false);
  });

  it('joins nodes, worker tasks and the per-host report', () => {
    const status = clusterStatus({
      stack: 'st', service: 'st_worker', mode: 'replicated', replicas: 3, study: 's', nodes, tasks,
      hosts: [host('alpha-w1', 10, 1), host('alpha-w2', 30, 3), host('laptop', 4, 0.5)],
    });
    expect(status.nodes.map((n) => n.node)).toEqual(['alpha', 'beta']);
    const [alpha, beta] = status.nodes;
    expect(alpha).toMatchObject({ role: 'manager (leader)', running: 1, desired: 2, hosts: ['alpha-w1', 'alpha-w2'], complete: 40 });
    expect(alpha!.meanSeconds).toBeCloseTo((10 * 1 + 30 * 3) / 40);
    expect(beta).toMatchObject({ availability: 'drain', running: 0, desired: 0, complete: 0, meanSeconds: null });
    // Newest task of a slot first; exit codes and errors kept.
    expect(status.tasks.map((t) => [t.slot, t.state, t.exitCode])).toEqual([[1, 'running', null], [1, 'failed', 2], [2, 'starting', null], [3, 'complete', 0]]);
    expect(status.tasks[1]!.error).toContain('non-zero exit');
    expect(status.otherHosts.map((h) => h.host)).toEqual(['laptop']);

    const text = formatClusterStatus(status);
    expect(text).toMatch(/^alpha\s+manager \(leader\)\s+ready\s+active\s+1\/2\s+alpha-w1,alpha-w2\s+40\s+2\.50$/m);
    expect(text).toContain('tasks of st_worker (replicated, 3 replicas)');
    expect(text).toContain('hosts not in this swarm: laptop (4 complete)');
  });

  it('without a study prints no store columns', () => {
    const text = formatClusterStatus(clusterStatus({ stack: 'st', service: 'st_worker', mode: 'global', replicas: null, study: null, nodes, tasks, hosts: [] }));
    expect(text).not.toContain('complete  mean s');
    expect(text).toContain('tasks of st_worker (global)');
    expect(text).toMatch(/^beta\s+worker\s+ready\s+drain\s+0\/0$/m);
  });
});

describe('cluster commands: bad input and an unreachable Docker engine exit 2 with one message', () => {
  it('an engine that is not there', async () => {
    const dir = tempDir();
    const res = await runCli(['cluster', 'status', '--stack', 'nope'], { env: { DOCKER_HOST: `unix://${join(dir, 'no.sock')}` } });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain(join(dir, 'no.sock'));
    expect(res.stderr).toContain('DOCKER_HOST');
  });

  it('a replica count that is not a whole number >= 0', async () => {
    for (const bad of ['-1', 'two', '1.5']) {
      const res = await runCli(['cluster', 'scale', bad]);
      expect(res.code, bad).toBe(2);
      expect(res.stderr).toContain('replicas must be a whole number >= 0');
    }
  });
});

describe('SWARMTUNE_STORE_PASSWORD_FILE', () => {
  let server: RedisServer;
  const password = 'p@ss/w:rd';
  beforeAll(async () => {
    server = await startRedisServer({ password });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('puts the file password into a URL that has none; a URL password wins; other stores ignore it', () => {
    const dir = tempDir();
    const file = join(dir, 'pw');
    writeFileSync(file, `${password}\n`);
    const env = { SWARMTUNE_STORE_PASSWORD_FILE: file };
    expect(withPasswordFile('keydb://a:1,b:2/0', env)).toBe(`keydb://:${encodeURIComponent(password)}@a:1,b:2/0`);
    expect(withPasswordFile('redis://:other@a:1', env)).toBe('redis://:other@a:1');
    expect(withPasswordFile('file:x.jsonl', env)).toBe('file:x.jsonl');
    expect(withPasswordFile('redis://a:1', {})).toBe('redis://a:1');
    expect(() => withPasswordFile('redis://a:1', { SWARMTUNE_STORE_PASSWORD_FILE: join(dir, 'missing') })).toThrow(InputError);
    writeFileSync(file, '');
    expect(() => withPasswordFile('redis://a:1', env)).toThrow(/is empty/);
  });

  it('opens a password-protected store without the password in the URL, and never prints it', async () => {
    const dir = tempDir();
    const file = join(dir, 'pw');
    writeFileSync(file, password);
    const url = `redis://127.0.0.1:${server.port}/0`;
    const denied = await runCli(['study', 'list', '--store', url]);
    expect(denied.code, denied.stderr).toBe(2);
    const ok = await runCli(['study', 'list', '--store', url], { env: { SWARMTUNE_STORE_PASSWORD_FILE: file } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout + ok.stderr).not.toContain(password);
    expect(ok.stdout).toContain('no studies in redis://:***@127.0.0.1');
  });
});
