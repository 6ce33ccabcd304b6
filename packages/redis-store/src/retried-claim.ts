import type { ClaimOutcome, Trial, WorkerInfo } from '@swarmtune/core';

// A claim whose reply was lost (connection dropped after the commit was sent) is tried again with the same trial
// id. These recognise what the first try did, so that the retry answers the same instead of claiming twice.

/** What an earlier try of the same claim produced: the trial with the claim's own id is found in the study. */
export function outcomeOfOwnTrial(trial: Trial): ClaimOutcome {
  if (trial.reusedFrom !== undefined) return { kind: 'reused', trial };
  if (trial.failReason === 'duplicate_running') return { kind: 'duplicate_running', trial };
  return { kind: 'claimed', trial };
}

/** A RUNNING trial this very call started (a WAITING one with the claimed key) on an earlier try. */
export function isOwnStart(trial: Trial, worker: WorkerInfo, now: number): boolean {
  return (
    trial.workerId === worker.workerId &&
    trial.pid === worker.pid &&
    trial.host === worker.host &&
    trial.startedAt === now
  );
}
