import type { SyncHealthState } from '../backoff';
import type { IsoDate } from '../time';

/** The upstream this service syncs; `sync_state` has one row per source. */
export const CURSOR_SOURCE = 'cursor';

/** A `sync_state` row as PostgreSQL returns it. */
export interface SyncStateRow {
  source: string;
  watermark: IsoDate | null;
  last_attempt_at: Date | null;
  last_success_at: Date | null;
  consecutive_failures: number;
  next_attempt_at: Date | null;
  state: SyncHealthState;
  last_error: string | null;
  last_run_id: string | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
}

/** The sync's state in domain terms. */
export interface SyncState {
  watermark: IsoDate | null;
  lastAttemptAt: Date | null;
  lastSuccessAt: Date | null;
  consecutiveFailures: number;
  nextAttemptAt: Date | null;
  state: SyncHealthState;
  lastError: string | null;
  lastRunId: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
}

export function toSyncState(row: SyncStateRow): SyncState {
  return {
    watermark: row.watermark,
    lastAttemptAt: row.last_attempt_at,
    lastSuccessAt: row.last_success_at,
    consecutiveFailures: row.consecutive_failures,
    nextAttemptAt: row.next_attempt_at,
    state: row.state,
    lastError: row.last_error,
    lastRunId: row.last_run_id,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
  };
}
