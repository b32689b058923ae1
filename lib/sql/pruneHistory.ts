import type { Sql } from '../db';

export interface PruneResult {
  runs: number;
  rejectedRecords: number;
}

/** Deletes `sync_runs` and `rejected_records` rows older than the retention period. */
export async function pruneHistory(sql: Sql, olderThan: Date): Promise<PruneResult> {
  const runs = await sql`delete from sync_runs where started_at < ${olderThan} and outcome <> 'running'`;
  const rejected = await sql`delete from rejected_records where last_rejected_at < ${olderThan}`;
  return { runs: runs.count, rejectedRecords: rejected.count };
}
