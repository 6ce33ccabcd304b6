import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_KILL_GRACE_SECONDS } from '@swarmtune/runner';
import { repoRoot } from '../../../test/helpers/cli.js';

// The structure the deployment relies on; `docker stack config` / `docker stack deploy` in scripts/swarm-e2e.sh
// check the schema itself.
type Service = Record<string, any>;
const load = (file: string) => parse(readFileSync(join(repoRoot, file), 'utf8'), { merge: true }) as { services: Record<string, Service>; secrets: Record<string, any>; networks?: Record<string, any> };
const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);
const command = (s: Service) => (s.command as string[]).join(' ');

describe('stack.yml', () => {
  const stack = load('stack.yml');
  const { keydb1, keydb2, worker } = stack.services;

  it('two multi-master KeyDB stores, each a replica of the other, placed by node label, with volumes and the secret', () => {
    for (const [store, other, label] of [[keydb1, 'keydb2', 'a'], [keydb2, 'keydb1', 'b']] as const) {
      expect(store!.image).toMatch(/^eqalpha\/keydb/);
      expect(command(store!)).toMatch(new RegExp(`--active-replica yes --multi-master yes --replicaof ${other} 6379`));
      expect(command(store!)).toContain('--requirepass "$$p"');
      expect(store!.deploy.placement.constraints).toEqual([`node.labels.swarmtune.store == ${label}`]);
      expect(store!.volumes[0]).toMatch(/^keydb\d-data:\/data$/);
      expect(store!.secrets).toContain('store_password');
      expect(store!.deploy.endpoint_mode).toBe('dnsrr');
      expect(store!.deploy.resources.limits.memory).toBeTruthy();
    }
  });

  it('one worker per node, named after the node, not restarted after a clean exit, with a grace longer than its own', () => {
    expect(worker!.deploy.mode).toBe('global');
    expect(worker!.deploy.restart_policy.condition).toBe('on-failure');
    expect(seconds(worker!.stop_grace_period)).toBeGreaterThan(DEFAULT_KILL_GRACE_SECONDS);
    expect(worker!.init).toBe(true);
    expect(worker!.environment.SWARMTUNE_HOST).toBe('{{.Node.Hostname}}');
    expect(worker!.environment.SWARMTUNE_STORE).toBe('keydb://keydb1:6379,keydb2:6379');
    expect(worker!.environment.SWARMTUNE_STORE_PASSWORD_FILE).toBe('/run/secrets/store_password');
    expect(JSON.stringify(worker!.environment)).not.toMatch(/:\/\/[^"]*@/);
    expect(worker!.deploy.endpoint_mode).toBe('dnsrr');
    expect(worker!.deploy.resources.limits.cpus).toBeTruthy();
    expect(stack.secrets.store_password).toEqual({ external: true, name: 'swarmtune_store_password' });
    expect(stack.networks!.swarmtune.driver).toBe('overlay');
  });
});

describe('docker-compose.yml', () => {
  const compose = load('docker-compose.yml');
  it('the same cluster on one machine: two KeyDB masters, workers that stay down after exit 0, the password as a secret', () => {
    const { keydb1, keydb2, worker } = compose.services;
    expect(command(keydb1!)).toContain('--replicaof keydb2 6379');
    expect(command(keydb2!)).toContain('--replicaof keydb1 6379');
    expect(worker!.restart).toBe('on-failure');
    expect(seconds(worker!.stop_grace_period)).toBeGreaterThan(DEFAULT_KILL_GRACE_SECONDS);
    expect(worker!.environment.SWARMTUNE_STORE_PASSWORD_FILE).toBe('/run/secrets/store_password');
    expect(compose.secrets.store_password.file).toBeTruthy();
  });
});
