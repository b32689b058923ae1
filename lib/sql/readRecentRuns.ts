import type { Sql } from '../db';
import type { RunRow } from './syncRuns';

/** Reads the `limit` most recently started runs, newest first. */
export async function readRecentRuns(sql: Sql, limit: number): Promise<RunRow[]> {
  return sql<RunRow[]>`
    select * from sync_runs
    order by started_at desc, run_id desc
    limit ${limit}
  `;
}
