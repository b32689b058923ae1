import { randomUUID } from 'node:crypto';
import type { Sql } from '../lib/db';
import { createLogger } from '../lib/logger';
import { systemClock } from '../lib/time';
import { storeUsage } from '../lib/writeRequest';
import { validatedRequest, type Dataset } from './dataset';
import { withMigratedDatabase, withSingleConnection } from './database';
import { flushStatistics, readTableStatistics } from './tableStatistics';
import { elapsedMsSince, startTimer } from './timing';

export interface WritePass {
  durationMs: number;
  /** Rows inserted or changed, as storeUsage returns them. */
  rowsChanged: number;
}

export interface WriteStageResult {
  rows: number;
  firstLoad: WritePass;
  /** The same records again, nothing changed. */
  noChange: WritePass;
  /** Every record changed by one count. */
  changedUpsert: WritePass;
  /**
   * Dead tuples of `daily_stats` after the no-change pass: the larger of
   * `n_dead_tup` and the rows that the pass updated or deleted, because
   * autovacuum may clear `n_dead_tup` in the meantime.
   */
  noChangeDeadTuples: number;
  /** False on PostgreSQL 14, where the statistics could only be waited for. */
  statisticsFlushed: boolean;
}

/**
 * Measures the sync's write stage alone, from validated records to committed
 * rows: `storeUsage` once per request, each request in its own transaction as
 * the sync writes it. The timer runs only during `storeUsage`: each
 * request's records are generated and validated while it is stopped.
 *
 * There are three passes. The first load writes into an empty `daily_stats`.
 * The no-change pass writes the same records again. The re-upsert writes
 * them with one count changed in every record. The no-change pass comes
 * before the re-upsert, so the dead tuples it leaves are not mixed with those
 * of the re-upsert. An ANALYZE runs after the first load, outside the timer.
 */
export async function measureWriteStage(serverUrl: string, dataset: Dataset): Promise<WriteStageResult> {
  // One connection, because the dead tuples are read from the statistics of
  // the backend that wrote the rows.
  return withMigratedDatabase(serverUrl, 'write', (database) =>
    withSingleConnection(database.url, async (sql) => {
      const firstLoad = await writeAllRequests(sql, dataset, 0);
      const [counted] = await sql<{ rows: number }[]>`select count(*)::int as rows from daily_stats`;
      // A table synced for a while has planner statistics; without them the
      // plans of the next passes would depend on whether autovacuum has run yet.
      await sql`analyze daily_stats`;
      await flushStatistics(sql);
      const before = await readTableStatistics(sql, 'daily_stats');

      const noChange = await writeAllRequests(sql, dataset, 0);
      const statisticsFlushed = await flushStatistics(sql);
      const after = await readTableStatistics(sql, 'daily_stats');
      const rewritten = after.updatedTuples - before.updatedTuples + (after.deletedTuples - before.deletedTuples);

      const changedUpsert = await writeAllRequests(sql, dataset, 1);

      return {
        rows: counted?.rows ?? 0,
        firstLoad,
        noChange,
        changedUpsert,
        noChangeDeadTuples: Math.max(after.deadTuples, rewritten),
        statisticsFlushed,
      };
    }),
  );
}

async function writeAllRequests(sql: Sql, dataset: Dataset, countIncrement: number): Promise<WritePass> {
  const deps = { sql, logger: createLogger('SILENT'), clock: systemClock };
  const runId = randomUUID();
  // One cache of developer ids per pass, as the sync keeps one per cycle.
  const developerIds = new Map<string, string>();
  let rowsChanged = 0;
  let durationMs = 0;

  for (const request of dataset.requests) {
    const records = validatedRequest(dataset, request, countIncrement);
    const started = startTimer();
    const stored = await storeUsage(deps, { runId, request, records, rejected: [], yesterday: dataset.yesterday, developerIds });
    durationMs += elapsedMsSince(started);
    rowsChanged += stored.rowsChanged;
  }
  return { durationMs, rowsChanged };
}
