import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { isProcessGroupAlive, killProcessGroup } from '../process-group.js';

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A service started as the leader of its own process group, its stdout and stderr appended straight to a log
 * file (so that a chatty service never blocks on a pipe, and nothing it leaves behind holds ours).
 */
export class ServiceProcess {
  private exitInfo: ServiceExit | undefined;
  private readonly exited: Promise<ServiceExit>;

  private constructor(
    readonly pid: number,
    child: ReturnType<typeof spawn>,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** Starts the service; throws Error with the reason when it cannot be started at all. */
  static async start(options: {
    file: string;
    args: string[];
    cwd: string;
    env: Record<string, string>;
    logFile: string;
    header: string[];
  }): Promise<ServiceProcess> {
    const fd = openSync(options.logFile, 'a');
    try {
      writeSync(fd, options.header.map((l) => `${l}\n`).join(''));
      const child = spawn(options.file, options.args, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', reject);
      });
      return new ServiceProcess(pid, child);
    } finally {
      closeSync(fd);
    }
  }

  /** How the leader ended, once it has. */
  get exit(): ServiceExit | undefined {
    return this.exitInfo;
  }

  /** Whether any process of the service's group still runs. */
  get groupAlive(): boolean {
    return isProcessGroupAlive(this.pid);
  }

  /** TERM to the whole group, KILL after the grace; resolves once the leader was reaped and the group is gone. */
  async stop(graceMs: number): Promise<void> {
    await killProcessGroup(this.pid, graceMs);
    if (!this.exitInfo) await this.exited;
  }
}
