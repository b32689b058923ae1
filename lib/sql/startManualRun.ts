import type { Sql } from '../db';
import type { DateRange } from '../window';

export interface ManualRunStart {
  runId: string;
  startedAt: Date;
  window: DateRange;
}

/**
 * Records the start of an operator's backfill as a `sync_runs` row with
 * trigger `manual` and its range as the window. Unlike `startRun`, it leaves
 * `sync_state` alone, so the sync's last attempt and last run stay those of
 * the schedule.
 */
export async function startManualRun(sql: Sql, run: ManualRunStart): Promise<void> {
  await sql`
    insert into sync_runs (run_id, trigger, started_at, window_start, window_end, outcome)
    values (${run.runId}, 'manual', ${run.startedAt}, ${run.window.start}, ${run.window.end}, 'running')
  `;
}
