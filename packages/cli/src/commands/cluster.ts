import Docker from 'dockerode';
import { InputError } from '@swarmtune/core';
import { table } from '../format.js';
import { hostStats, type HostStats } from './report.js';
import { requireStudy, withStore } from './study.js';

/** The parts of the Engine API's node and task objects this command reads (dockerode types them as `any`). */
export interface SwarmNode {
  ID: string;
  Description?: { Hostname?: string };
  Spec?: { Role?: string; Availability?: string };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean };
}

export interface SwarmTask {
  ID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState?: string;
  Status?: { State?: string; Timestamp?: string; Err?: string; ContainerStatus?: { ExitCode?: number } };
}

export interface NodeRow {
  node: string;
  role: string;
  state: string;
  availability: string;
  /** Worker tasks on this node that run, and that are meant to run. */
  running: number;
  desired: number;
  /** From the study's per-host report: hosts named after this node (`node` or `node-...`). */
  hosts: string[];
  complete: number;
  meanSeconds: number | null;
}

export interface TaskRow {
  task: string;
  slot: number | null;
  node: string;
  state: string;
  desired: string;
  exitCode: number | null;
  error: string;
}

export interface ClusterStatus {
  stack: string;
  service: string;
  mode: string;
  replicas: number | null;
  study: string | null;
  nodes: NodeRow[];
  tasks: TaskRow[];
  /** Hosts in the study's report that match no node of this swarm (e.g. workers run elsewhere). */
  otherHosts: HostStats[];
}

function nodeName(n: SwarmNode): string {
  return n.Description?.Hostname ?? n.ID.slice(0, 12);
}

/** A host belongs to a node when it is the node's name, or the node's name and a `-suffix` (several tasks per node). */
export function hostOnNode(host: string, nodeHostname: string): boolean {
  return host === nodeHostname || host.startsWith(`${nodeHostname}-`);
}

/**
 * Joins the swarm's nodes, the worker service's tasks and (when given) the study's per-host report. Tasks that are
 * over (shut down, complete, failed) are listed but only running ones count as running; the newest task per slot
 * (or per node for a global service) comes first.
 */
export function clusterStatus(input: {
  stack: string;
  service: string;
  mode: string;
  replicas: number | null;
  study: string | null;
  nodes: SwarmNode[];
  tasks: SwarmTask[];
  hosts: HostStats[];
}): ClusterStatus {
  const nameOf = new Map(input.nodes.map((n) => [n.ID, nodeName(n)]));
  const claimed = new Set<string>();
  const nodes: NodeRow[] = [...input.nodes]
    .sort((a, b) => nodeName(a).localeCompare(nodeName(b)))
    .map((n) => {
      const tasks = input.tasks.filter((t) => t.NodeID === n.ID);
      // Longest node names first would be more exact, but swarm host names rarely prefix one another.
      const hosts = input.hosts.filter((h) => hostOnNode(h.host, nodeName(n)));
      hosts.forEach((h) => claimed.add(h.host));
      const complete = hosts.reduce((a, h) => a + h.complete, 0);
      const totalSeconds = hosts.reduce((a, h) => a + h.meanSeconds * h.complete, 0);
      return {
        node: nodeName(n),
        role: `${n.Spec?.Role ?? '?'}${n.ManagerStatus?.Leader ? ' (leader)' : ''}`,
        state: n.Status?.State ?? '?',
        availability: n.Spec?.Availability ?? '?',
        running: tasks.filter((t) => t.Status?.State === 'running').length,
        desired: tasks.filter((t) => t.DesiredState === 'running').length,
        hosts: hosts.map((h) => h.host).sort(),
        complete,
        meanSeconds: complete > 0 ? totalSeconds / complete : null,
      };
    });
  const tasks: TaskRow[] = [...input.tasks]
    .sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0) || (b.Status?.Timestamp ?? '').localeCompare(a.Status?.Timestamp ?? ''))
    .map((t) => ({
      task: t.ID.slice(0, 12),
      slot: t.Slot ?? null,
      node: (t.NodeID && nameOf.get(t.NodeID)) || '-',
      state: t.Status?.State ?? '?',
      desired: t.DesiredState ?? '?',
      exitCode: t.Status?.ContainerStatus?.ExitCode ?? null,
      error: t.Status?.Err ?? '',
    }));
  return {
    stack: input.stack,
    service: input.service,
    mode: input.mode,
    replicas: input.replicas,
    study: input.study,
    nodes,
    tasks,
    otherHosts: input.hosts.filter((h) => !claimed.has(h.host)),
  };
}

export function formatClusterStatus(s: ClusterStatus): string {
  const withStudy = s.study !== null;
  const nodeHeader = ['node', 'role', 'state', 'availability', 'workers'];
  if (withStudy) nodeHeader.push('hosts', 'complete', 'mean s');
  const nodeRows = s.nodes.map((n) => {
    const row = [n.node, n.role, n.state, n.availability, `${n.running}/${n.desired}`];
    if (withStudy) row.push(n.hosts.join(',') || '-', String(n.complete), n.meanSeconds === null ? '-' : n.meanSeconds.toFixed(2));
    return row;
  });
  const taskRows = s.tasks.map((t) => [
    t.task,
    t.slot === null ? '-' : String(t.slot),
    t.node,
    t.state,
    t.desired,
    t.exitCode === null ? '-' : String(t.exitCode),
    t.error || '-',
  ]);
  const scale = s.mode === 'replicated' ? `replicated, ${s.replicas ?? '?'} replicas` : s.mode;
  const parts = [
    `nodes${withStudy ? ` (trials of study ${s.study})` : ''}`,
    table(nodeHeader, nodeRows),
    '',
    `tasks of ${s.service} (${scale})`,
    taskRows.length ? table(['task', 'slot', 'node', 'state', 'desired', 'exit', 'error'], taskRows) : '(none)',
  ];
  if (s.otherHosts.length) {
    parts.push('', `hosts not in this swarm: ${s.otherHosts.map((h) => `${h.host} (${h.complete} complete)`).join(', ')}`);
  }
  return parts.join('\n');
}

export interface ClusterOptions {
  stack: string;
  service: string;
}

function dockerWhere(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** The Engine API's own words for what went wrong (dockerode puts them in `json.message`), or the socket error. */
function dockerProblem(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string; code?: string };
  return e.json?.message?.trim() || e.message || e.code || String(err);
}

/** Runs a Docker call; a daemon that cannot be reached or refuses (not a swarm manager, no such service) is exit 2. */
async function docker<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new InputError('docker', `${what} at ${dockerWhere()}: ${dockerProblem(err)} (set DOCKER_HOST to a swarm manager)`);
  }
}

async function findService(client: Docker, opts: ClusterOptions): Promise<Docker.Service> {
  const name = `${opts.stack}_${opts.service}`;
  const services = await docker('listing services', () => client.listServices({ filters: { name: [name] } }));
  const service = services.find((s) => s.Spec?.Name === name);
  if (!service) {
    throw new InputError('--stack', `no service "${name}" in the swarm at ${dockerWhere()} (deployed with: docker stack deploy ... ${opts.stack}?)`);
  }
  return service;
}

export async function clusterStatusCommand(opts: ClusterOptions & { study?: string; store?: string; json?: boolean }): Promise<void> {
  const client = new Docker();
  const service = await findService(client, opts);
  const [nodes, tasks] = await Promise.all([
    docker('listing nodes', () => client.listNodes() as Promise<SwarmNode[]>),
    docker('listing tasks', () => client.listTasks({ filters: { service: [service.ID] } }) as Promise<SwarmTask[]>),
  ]);
  const hosts = opts.study
    ? await withStore(opts.store, async (store) => {
        await requireStudy(store, opts.study!);
        return hostStats(await store.getTrials(opts.study!));
      })
    : [];
  const mode = service.Spec?.Mode?.Global ? 'global' : 'replicated';
  const status = clusterStatus({
    stack: opts.stack,
    service: service.Spec?.Name ?? `${opts.stack}_${opts.service}`,
    mode,
    replicas: service.Spec?.Mode?.Replicated?.Replicas ?? null,
    study: opts.study ?? null,
    nodes,
    tasks,
    hosts,
  });
  process.stdout.write(opts.json ? `${JSON.stringify(status)}\n` : `${formatClusterStatus(status)}\n`);
}

/** Sets the worker service's replicas (replicated mode only: a global service runs one task per node). */
export async function clusterScaleCommand(replicas: number, opts: ClusterOptions & { json?: boolean }): Promise<void> {
  const client = new Docker();
  const found = await findService(client, opts);
  const handle = client.getService(found.ID);
  const current = (await docker('reading the service', () => handle.inspect())) as Docker.Service;
  const spec = current.Spec!;
  if (!spec.Mode?.Replicated) {
    throw new InputError('cluster scale', `service ${spec.Name} runs in global mode (one task per node); scale applies to replicated services`);
  }
  const before = spec.Mode.Replicated.Replicas ?? 0;
  await docker('updating the service', () =>
    handle.update({ ...spec, Mode: { Replicated: { Replicas: replicas } }, version: current.Version?.Index }),
  );
  process.stdout.write(
    opts.json ? `${JSON.stringify({ service: spec.Name, from: before, to: replicas })}\n` : `${spec.Name}: ${before} -> ${replicas} replicas\n`,
  );
}
