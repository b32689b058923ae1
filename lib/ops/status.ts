import type { SyncHealthState } from '../backoff';
import type { Sql } from '../db';
import { readSyncState } from '../sql/readSyncState';
import { CURSOR_SOURCE } from '../sql/syncStateRow';
import { daysBetween, toIsoDate, type Clock, type IsoDate } from '../time';
import { listRuns, type RunReport } from './runs';

/** The status document that `status --json` prints and a `{"action":"status"}` payload returns, with these fields only. */
export interface StatusReport {
  state: SyncHealthState;
  /** Every UTC day up to it is stored; null before the first success. */
  watermark: IsoDate | null;
  /** Today (UTC) minus the watermark, in days; null without a watermark. */
  lagDays: number | null;
  consecutiveFailures: number;
  nextAttemptAt: string | null;
  lastSuccessAt: string | null;
  /** The most recently started runs, newest first. */
  lastRuns: RunReport[];
}

/** State shown only in the table of `status`, outside the fixed JSON fields. */
export interface StatusDetails {
  lastError: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
}

/** Reads the sync state and the `runs` most recent runs. */
export async function readStatus(
  deps: { sql: Sql; clock: Clock },
  options: { runs: number },
): Promise<{ report: StatusReport; details: StatusDetails }> {
  const state = await readSyncState(deps.sql);
  if (state === null) {
    throw new Error(`The sync_state row of source "${CURSOR_SOURCE}" is missing; the migrations create it.`);
  }
  const lastRuns = await listRuns(deps.sql, options.runs);
  const today = toIsoDate(deps.clock.now().getTime());

  return {
    report: {
      state: state.state,
      watermark: state.watermark,
      lagDays: state.watermark === null ? null : daysBetween(state.watermark, today),
      consecutiveFailures: state.consecutiveFailures,
      nextAttemptAt: state.nextAttemptAt?.toISOString() ?? null,
      lastSuccessAt: state.lastSuccessAt?.toISOString() ?? null,
      lastRuns,
    },
    details: {
      lastError: state.lastError,
      leaseOwner: state.leaseOwner,
      leaseExpiresAt: state.leaseExpiresAt?.toISOString() ?? null,
    },
  };
}
