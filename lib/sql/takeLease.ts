import type { Sql } from '../db';
import type { RunOutcome } from '../schedule';
import { CURSOR_SOURCE, toSyncState, type SyncStateRow } from './syncStateRow';
import type { SyncStateWithLastRun } from './readSyncState';

export interface LeaseRequest {
  owner: string;
  /** Earlier owners that may be replaced even though their lease has not expired. */
  reclaimableOwners?: readonly string[];
  now: Date;
  expiresAt: Date;
}

/**
 * Takes the lease on the sync state row when it is free or expired, with one
 * conditional UPDATE, so two invocations can never both hold it. Returns the
 * state as it was when taken, or null when another owner holds the lease.
 */
export async function takeLease(sql: Sql, request: LeaseRequest): Promise<SyncStateWithLastRun | null> {
  const rows = await sql<(SyncStateRow & { last_run_outcome: RunOutcome | null })[]>`
    update sync_state s
    set lease_owner = ${request.owner}, lease_expires_at = ${request.expiresAt}
    where s.source = ${CURSOR_SOURCE}
      and (
        s.lease_owner is null
        or s.lease_owner = any(${[request.owner, ...(request.reclaimableOwners ?? [])]}::text[])
        or s.lease_expires_at <= ${request.now}
      )
    returning s.*, (select r.outcome from sync_runs r where r.run_id = s.last_run_id) as last_run_outcome
  `;
  const row = rows[0];
  return row === undefined ? null : { ...toSyncState(row), lastRunOutcome: row.last_run_outcome };
}

/** Releases the lease if one of these owners still holds it. */
export async function releaseLease(sql: Sql, owners: string | readonly string[]): Promise<void> {
  const ownerList = typeof owners === 'string' ? [owners] : [...owners];
  await sql`
    update sync_state
    set lease_owner = null, lease_expires_at = null
    where source = ${CURSOR_SOURCE} and lease_owner = any(${ownerList}::text[])
  `;
}

/** Reads who holds the lease, for the log line of a skipped invocation. */
export async function readLeaseHolder(sql: Sql): Promise<{ owner: string | null; expiresAt: Date | null }> {
  const rows = await sql<{ lease_owner: string | null; lease_expires_at: Date | null }[]>`
    select lease_owner, lease_expires_at from sync_state where source = ${CURSOR_SOURCE}
  `;
  return { owner: rows[0]?.lease_owner ?? null, expiresAt: rows[0]?.lease_expires_at ?? null };
}
