import { mkdir, writeFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InputError, type IntermediateValue, type ObjectiveSpec, type Params } from '@swarmtune/core';
import { runInProcessGroup, type GroupProcessResult } from './group-process.js';
import { LineSplitter, TailText } from './lines.js';
import type { CommandFailReason, CommandTrialOutcome } from './outcome.js';
import { OutputParser, type ParsedOutput } from './output-parser.js';
import { paramEnvVars } from './param-env.js';
import { DEFAULT_KILL_GRACE_SECONDS, type CommandObjective } from './schema.js';
import { renderCommand } from './template.js';
import { TrialLog } from './trial-log.js';

/** The longest stdout line kept for parsing; a longer line is logged but not parsed. */
export const MAX_STDOUT_LINE = 1024 * 1024;
/** How much of stderr is kept in memory for the error message of a failed trial. */
export const STDERR_TAIL_BYTES = 64 * 1024;
const ERROR_STDERR_LINES = 20;
const ERROR_MAX_CHARS = 4_000;

export interface CommandTrialInput {
  params: Params;
  trialNumber: number;
  study: string;
  trialId: string;
  /** Folder of the experiment file: `objective.cwd` is relative to it. */
  baseDir: string;
  /** Where `trial-<number>.log` and `trial-<number>.params.json` are written (created if missing). */
  logDir: string;
  /** The study's objectives, in order: one value per objective is read from the output. */
  objectives: ObjectiveSpec[];
  /** Fires when the caller is stopping: the process group is stopped and the trial ends FAIL(interrupted). */
  signal?: AbortSignal;
  /** Extra env from the caller (e.g. per-slot GPU); overrides `objective.env`, overridden by SWARMTUNE_* vars. */
  env?: Record<string, string>;
  /** Every stdout line, as it arrives. */
  onStdoutLine?: (line: string) => void;
  /** Every intermediate value (`{"step": n, "value": v}` line), as it arrives. */
  onIntermediate?: (point: IntermediateValue) => void;
  /** The pid (= process group id) once the command started. */
  onSpawn?: (pid: number) => void;
}

function validateObjectives(spec: CommandObjective, objectives: readonly ObjectiveSpec[]): void {
  if (objectives.length === 0) throw new InputError('objectives', 'at least one objective is needed');
  if (spec.value !== undefined && objectives.length > 1) {
    throw new InputError(
      'objective.value',
      `only applies to a single objective; with ${objectives.length} objectives each value is read from the ` +
        `metric named like it (${objectives.map((o) => o.name).join(', ')}) or from "values"`,
    );
  }
}

function shortError(text: string): string {
  return text.length <= ERROR_MAX_CHARS ? text : `...${text.slice(text.length - ERROR_MAX_CHARS)}`;
}

function withStderr(headline: string, stderr: TailText): string {
  const lines = stderr.lastLines(ERROR_STDERR_LINES);
  return shortError(lines.length === 0 ? `${headline} (stderr was empty)` : `${headline}; stderr:\n${lines.join('\n')}`);
}

/** /bin/sh reports a child killed by signal N as exit status 128+N. */
function signalFromShellStatus(code: number | null): NodeJS.Signals | undefined {
  if (code === null || code <= 128 || code > 128 + 64) return undefined;
  const entry = Object.entries(osConstants.signals).find(([, n]) => n === code - 128);
  return entry?.[0] as NodeJS.Signals | undefined;
}

type Classified =
  | { state: 'COMPLETE'; parsed: Extract<ParsedOutput, { ok: true }> }
  | { state: 'FAIL'; failReason: CommandFailReason; error: string };

function classify(
  run: GroupProcessResult,
  spec: CommandObjective,
  usesShell: boolean,
  parse: () => ParsedOutput,
  stderr: TailText,
): Classified {
  const fail = (failReason: CommandFailReason, error: string): Classified => ({ state: 'FAIL', failReason, error });
  if (run.spawnError !== undefined) return fail('error', `could not start the command: ${run.spawnError}`);
  if (run.stoppedBy === 'abort') return fail('interrupted', 'interrupted: the worker stopped the trial');
  if (run.stoppedBy === 'timeout') return fail('timeout', withStderr(`timed out after ${spec.timeoutSeconds} s`, stderr));
  if (run.signal !== null) return fail('crashed', withStderr(`killed by ${run.signal}`, stderr));
  const shellSignal = usesShell ? signalFromShellStatus(run.exitCode) : undefined;
  if (shellSignal) return fail('crashed', withStderr(`killed by ${shellSignal} (exit status ${run.exitCode})`, stderr));
  if (run.exitCode !== 0) return fail('error', withStderr(`exit code ${run.exitCode}`, stderr));
  const parsed = parse();
  if (!parsed.ok) return fail('invalid_output', shortError(parsed.problem));
  return { state: 'COMPLETE', parsed };
}

/**
 * Runs one trial of a command objective: renders the command, passes params (env vars, template, JSON file),
 * streams output to `<logDir>/trial-<number>.log`, reads metrics from stdout (see output-parser.ts) and maps how
 * the process ended onto COMPLETE or FAIL(error | timeout | crashed | invalid_output | interrupted).
 * Throws InputError for a spec that cannot run with these params (unknown {{x}}, bad paramEnv, ...).
 */
export async function runCommandTrial(spec: CommandObjective, input: CommandTrialInput): Promise<CommandTrialOutcome> {
  validateObjectives(spec, input.objectives);
  const rendered = renderCommand(spec.command, input.params);
  const paramVars = paramEnvVars(input.params, spec.paramEnv);
  const usesShell = typeof rendered === 'string';
  const [file, args] = typeof rendered === 'string' ? ['/bin/sh', ['-c', rendered]] : [rendered[0]!, rendered.slice(1)];

  const logDir = resolve(input.logDir);
  await mkdir(logDir, { recursive: true });
  const paramsFile = resolve(logDir, `trial-${input.trialNumber}.params.json`);
  await writeFile(paramsFile, `${JSON.stringify(input.params, null, 2)}\n`);
  const trialVars: Record<string, string> = {
    ...paramVars,
    SWARMTUNE_PARAMS_FILE: paramsFile,
    SWARMTUNE_TRIAL_NUMBER: String(input.trialNumber),
    SWARMTUNE_TRIAL_ID: input.trialId,
    SWARMTUNE_STUDY: input.study,
  };
  const env = { ...spec.env, ...input.env, ...trialVars };
  const cwd = resolve(input.baseDir, spec.cwd ?? '.');

  const log = new TrialLog(resolve(logDir, `trial-${input.trialNumber}.log`));
  log.line(`# swarmtune study ${input.study}, trial ${input.trialNumber} (${input.trialId})`);
  log.line(`# command: ${typeof rendered === 'string' ? rendered : JSON.stringify(rendered)}`);
  log.line(`# cwd: ${cwd}`);
  for (const [name, value] of Object.entries(trialVars)) log.line(`# env ${name}=${value}`);
  log.line(`# started ${new Date().toISOString()}`);

  const parser = new OutputParser({
    objectives: input.objectives,
    ...(spec.value !== undefined ? { valueKey: spec.value } : {}),
    ...(spec.metrics ? { regexes: spec.metrics } : {}),
  });
  let hookFailed = false;
  const callHook = (hook: () => void) => {
    try {
      hook();
    } catch (err) {
      // A throwing hook is the caller's bug; it must not crash the process from inside a stream handler.
      if (!hookFailed) log.line(`# output hook threw: ${(err as Error)?.stack ?? String(err)}`);
      hookFailed = true;
    }
  };
  const stdoutLines = new LineSplitter((line, truncated) => {
    const point = parser.acceptLine(line, truncated);
    if (input.onStdoutLine) callHook(() => input.onStdoutLine!(line));
    if (point && input.onIntermediate) callHook(() => input.onIntermediate!(point));
  }, MAX_STDOUT_LINE);
  const stderr = new TailText(STDERR_TAIL_BYTES);

  const started = performance.now();
  const run: GroupProcessResult = input.signal?.aborted
    ? { exitCode: null, signal: null, stoppedBy: 'abort' }
    : await runInProcessGroup({
        file,
        args,
        cwd,
        env,
        ...(spec.timeoutSeconds !== undefined ? { timeoutMs: spec.timeoutSeconds * 1000 } : {}),
        killGraceMs: (spec.killGraceSeconds ?? DEFAULT_KILL_GRACE_SECONDS) * 1000,
        ...(input.signal ? { signal: input.signal } : {}),
        onStdout: (chunk) => {
          stdoutLines.push(chunk);
          return log.write('stdout', chunk) ? undefined : log.drained();
        },
        onStderr: (chunk) => {
          stderr.add(chunk);
          return log.write('stderr', chunk) ? undefined : log.drained();
        },
        ...(input.onSpawn ? { onSpawn: input.onSpawn } : {}),
      });
  const durationMs = Math.round(performance.now() - started);
  stdoutLines.end();

  let parsed: ParsedOutput | undefined;
  const parse = () => (parsed ??= parser.finish());
  const verdict = classify(run, spec, usesShell, parse, stderr);
  // Metrics and intermediate values are kept on failures too: they show how far a failed trial got.
  const partial = parse();
  const base = {
    metrics: partial.metrics,
    intermediate: partial.intermediate,
    exitCode: run.exitCode,
    signal: run.signal,
    ...(run.pid !== undefined ? { pid: run.pid } : {}),
    durationMs,
    logFile: log.path,
  };
  const outcome: CommandTrialOutcome =
    verdict.state === 'COMPLETE'
      ? { ...base, state: 'COMPLETE', values: verdict.parsed.values, warnings: verdict.parsed.warnings }
      : { ...base, state: 'FAIL', failReason: verdict.failReason, error: verdict.error, warnings: [] };

  const ending = run.signal !== null ? `signal ${run.signal}` : `exit code ${run.exitCode}`;
  const summary =
    outcome.state === 'COMPLETE'
      ? `COMPLETE values=${JSON.stringify(outcome.values)}`
      : `FAIL(${outcome.failReason}) ${outcome.error.split('\n')[0]}`;
  await log.close([`# ended with ${ending} after ${durationMs} ms: ${summary}`]);
  return outcome;
}
