import type { Sql } from '../db';
import type { RunOutcome } from '../schedule';
import { CURSOR_SOURCE, toSyncState, type SyncState, type SyncStateRow } from './syncStateRow';

export interface SyncStateWithLastRun extends SyncState {
  lastRunOutcome: RunOutcome | null;
}

/** Reads the state row and the outcome of its last run; null when the row is missing. */
export async function readSyncState(sql: Sql): Promise<SyncStateWithLastRun | null> {
  const rows = await sql<(SyncStateRow & { last_run_outcome: RunOutcome | null })[]>`
    select s.*, r.outcome as last_run_outcome
    from sync_state s
    left join sync_runs r on r.run_id = s.last_run_id
    where s.source = ${CURSOR_SOURCE}
  `;
  const row = rows[0];
  return row === undefined ? null : { ...toSyncState(row), lastRunOutcome: row.last_run_outcome };
}
