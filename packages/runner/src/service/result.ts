import type { TrialResult } from '@swarmtune/core';
import type { ServiceTrialOutcome } from './service-trial.js';

/**
 * The result to tell the store. `ok` and `partial` are COMPLETE on the good runs' means; the rest are FAIL with
 * the runner's reason. What people and scripts read later (results.jsonl) is in attrs: `status`, `phase`,
 * `okRuns`/`evalRuns`, per-run records, metric stats (mean/min/max/std) and the two log files.
 */
export function toServiceTrialResult(outcome: ServiceTrialOutcome): TrialResult {
  const attrs: Record<string, unknown> = {
    status: outcome.status,
    phase: outcome.phase,
    okRuns: outcome.okRuns,
    evalRuns: outcome.runs.length,
    runs: outcome.runs,
    metricStats: outcome.metricStats,
    serviceLog: outcome.serviceLog,
    logFile: outcome.evalLog,
    portFree: outcome.portFree,
    durationMs: outcome.durationMs,
    ...(outcome.servicePid !== undefined ? { servicePid: outcome.servicePid } : {}),
  };
  const result: TrialResult = { state: outcome.state, attrs };
  if (Object.keys(outcome.metrics).length > 0) result.metrics = { ...outcome.metrics };
  if (outcome.state === 'COMPLETE') result.values = [...(outcome.values ?? [])];
  else {
    result.failReason = outcome.failReason ?? 'error';
    result.error = outcome.error ?? outcome.status;
  }
  return result;
}
