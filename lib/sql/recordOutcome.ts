import type { SyncHealthState } from '../backoff';
import type { Sql } from '../db';
import { CURSOR_SOURCE } from './syncStateRow';

/** Resets the failure streak after a success, or after an `incomplete` cycle that made progress. */
export async function recordSuccess(sql: Sql, at: Date, options: { complete: boolean }): Promise<void> {
  await sql`
    update sync_state
    set consecutive_failures = 0,
        state = 'healthy',
        next_attempt_at = null,
        last_error = null,
        last_success_at = case when ${options.complete} then ${at}::timestamptz else last_success_at end
    where source = ${CURSOR_SOURCE}
  `;
}

export interface FailureRecord {
  consecutiveFailures: number;
  state: SyncHealthState;
  nextAttemptAt: Date;
  /** A sanitized message: no secret, connection string or stack trace. */
  error: string;
}

export async function recordFailure(sql: Sql, failure: FailureRecord): Promise<void> {
  await sql`
    update sync_state
    set consecutive_failures = ${failure.consecutiveFailures},
        state = ${failure.state},
        next_attempt_at = ${failure.nextAttemptAt},
        last_error = ${failure.error}
    where source = ${CURSOR_SOURCE}
  `;
}
