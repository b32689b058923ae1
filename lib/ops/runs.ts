import type { Sql } from '../db';
import type { RunOutcome, SyncTrigger } from '../schedule';
import { readRecentRuns } from '../sql/readRecentRuns';
import type { RunRow } from '../sql/syncRuns';
import type { IsoDate } from '../time';

/** A `sync_runs` row with camelCase fields and times as ISO 8601 strings in UTC, as the commands print it. */
export interface RunReport {
  runId: string;
  trigger: SyncTrigger;
  startedAt: string;
  finishedAt: string | null;
  windowStart: IsoDate | null;
  windowEnd: IsoDate | null;
  developers: number;
  rowsUpserted: number;
  rowsChanged: number;
  rowsRejected: number;
  outcome: RunOutcome;
  error: string | null;
}

/** Lists the `last` most recently started runs, newest first. */
export async function listRuns(sql: Sql, last: number): Promise<RunReport[]> {
  const rows = await readRecentRuns(sql, last);
  return rows.map(toRunReport);
}

export function toRunReport(row: RunRow): RunReport {
  return {
    runId: row.run_id,
    trigger: row.trigger,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    windowStart: row.window_start,
    windowEnd: row.window_end,
    developers: row.developers,
    rowsUpserted: row.rows_upserted,
    rowsChanged: row.rows_changed,
    rowsRejected: row.rows_rejected,
    outcome: row.outcome,
    error: row.error,
  };
}
