import type { Sql } from '../db';
import type { RunOutcome, SyncTrigger } from '../schedule';
import type { IsoDate } from '../time';
import { CURSOR_SOURCE } from './syncStateRow';

export interface RunStart {
  runId: string;
  trigger: SyncTrigger;
  startedAt: Date;
}

/** Records the start of a cycle: its `sync_runs` row and the attempt on the state row. */
export async function startRun(sql: Sql, run: RunStart): Promise<void> {
  await sql.begin(async (transaction) => {
    await transaction`
      insert into sync_runs (run_id, trigger, started_at, outcome)
      values (${run.runId}, ${run.trigger}, ${run.startedAt}, 'running')
    `;
    await transaction`
      update sync_state
      set last_attempt_at = ${run.startedAt}, last_run_id = ${run.runId}
      where source = ${CURSOR_SOURCE}
    `;
  });
}

export interface RunProgress {
  windowStart: IsoDate;
  windowEnd: IsoDate;
}

export async function recordRunWindow(sql: Sql, runId: string, progress: RunProgress): Promise<void> {
  await sql`
    update sync_runs set window_start = ${progress.windowStart}, window_end = ${progress.windowEnd}
    where run_id = ${runId}
  `;
}

export interface RunCounts {
  developers: number;
  rowsUpserted: number;
  rowsChanged: number;
  rowsRejected: number;
}

export interface RunFinish extends RunCounts {
  outcome: Exclude<RunOutcome, 'running'>;
  finishedAt: Date;
  error: string | null;
}

export async function finishRun(sql: Sql, runId: string, finish: RunFinish): Promise<void> {
  await sql`
    update sync_runs
    set finished_at = ${finish.finishedAt},
        outcome = ${finish.outcome},
        developers = ${finish.developers},
        rows_upserted = ${finish.rowsUpserted},
        rows_changed = ${finish.rowsChanged},
        rows_rejected = ${finish.rowsRejected},
        error = ${finish.error}
    where run_id = ${runId}
  `;
}

/**
 * Closes runs left `running` by an invocation that died (killed, timed out),
 * once no lease protects them. Returns the run ids it closed.
 */
export async function closeAbandonedRuns(sql: Sql, currentRunId: string, now: Date): Promise<string[]> {
  const rows = await sql<{ run_id: string }[]>`
    update sync_runs
    set outcome = 'failure',
        finished_at = ${now},
        error = 'The run stopped without finishing (the process died or timed out); its lease expired.'
    where outcome = 'running' and run_id <> ${currentRunId}
    returning run_id
  `;
  return rows.map((row) => row.run_id);
}

export interface RunRow {
  run_id: string;
  trigger: SyncTrigger;
  started_at: Date;
  finished_at: Date | null;
  window_start: IsoDate | null;
  window_end: IsoDate | null;
  developers: number;
  rows_upserted: number;
  rows_changed: number;
  rows_rejected: number;
  outcome: RunOutcome;
  error: string | null;
}

export async function readRun(sql: Sql, runId: string): Promise<RunRow | undefined> {
  const rows = await sql<RunRow[]>`select * from sync_runs where run_id = ${runId}`;
  return rows[0];
}
