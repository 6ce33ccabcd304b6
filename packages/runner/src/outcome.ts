import type { IntermediateValue, TrialResult } from '@swarmtune/core';

export type CommandFailReason = 'error' | 'timeout' | 'crashed' | 'invalid_output' | 'interrupted';

interface OutcomeBase {
  metrics: Record<string, number>;
  intermediate: IntermediateValue[];
  /** Exit code of the process, null when a signal ended it or it never started. */
  exitCode: number | null;
  /** Signal that ended the process (from the OS, or from us on timeout/abort). */
  signal: NodeJS.Signals | null;
  /** Pid of the process (= its process group id); absent when it could not be started. */
  pid?: number;
  durationMs: number;
  logFile: string;
  /** Non-fatal problems with the output (e.g. a NaN metric that no objective needed). */
  warnings: string[];
}

export interface CommandTrialComplete extends OutcomeBase {
  state: 'COMPLETE';
  /** One per objective, in the study's order. */
  values: number[];
}

export interface CommandTrialFailed extends OutcomeBase {
  state: 'FAIL';
  failReason: CommandFailReason;
  /** stderr tail, parse problem, ...: what a user needs to see first. */
  error: string;
}

export type CommandTrialOutcome = CommandTrialComplete | CommandTrialFailed;

/** The result to tell the store. Process details go into attrs (`logFile`, `exitCode`, `signal`, `durationMs`). */
export function toTrialResult(outcome: CommandTrialOutcome): TrialResult {
  const attrs: Record<string, unknown> = {
    logFile: outcome.logFile,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    durationMs: outcome.durationMs,
  };
  if (outcome.warnings.length > 0) attrs.warnings = outcome.warnings;
  const result: TrialResult = { state: outcome.state, attrs };
  if (Object.keys(outcome.metrics).length > 0) result.metrics = { ...outcome.metrics };
  if (outcome.intermediate.length > 0) result.intermediate = outcome.intermediate.map((p) => ({ ...p }));
  if (outcome.state === 'COMPLETE') {
    result.values = [...outcome.values];
  } else {
    result.failReason = outcome.failReason;
    result.error = outcome.error;
  }
  return result;
}
