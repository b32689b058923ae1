import { randomUUID } from 'node:crypto';
import type { Sql } from '../lib/db';
import { createLogger } from '../lib/logger';
import { systemClock } from '../lib/time';
import { storeUsage } from '../lib/writeRequest';
import { validatedRequest, type Dataset } from './dataset';
import { withMigratedDatabase, withSingleConnection } from './database';
import { flushStatistics, readTableStatistics, type TableStatistics } from './tableStatistics';
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
  /** The same records once more after the day digests were deleted, so every row is read back and compared. */
  noChangeWithoutDigests: WritePass;
  /** Every record changed by one count. */
  changedUpsert: WritePass;
  /**
   * Dead tuples of `daily_stats` after the no-change pass: the larger of
   * `n_dead_tup` and the rows that the pass updated or deleted, because
   * autovacuum may clear `n_dead_tup` in the meantime.
   */
  noChangeDeadTuples: number;
  /** The same count for the pass without digests. */
  noChangeWithoutDigestsDeadTuples: number;
  /** False on PostgreSQL 14, where the statistics could only be waited for. */
  statisticsFlushed: boolean;
}

/**
 * Measures the sync's write stage alone, from validated records to committed
 * rows: `storeUsage` once per request, each request in its own transaction as
 * the sync writes it. The timer runs only during `storeUsage`: each
 * request's records are generated and validated while it is stopped.
 *
 * There are four passes. The first load writes into an empty `daily_stats`.
 * The no-change pass writes the same records again, and finds every day's
 * digest unchanged. The next pass does the same after the digests were
 * deleted (outside the timer), so it reads every stored row back and
 * compares it, as after a write by another program. The re-upsert writes the
 * records with one count changed in every record. The no-change passes come
 * before the re-upsert, so the dead tuples they leave are not mixed with
 * those of the re-upsert. An ANALYZE runs after the first load, outside the
 * timer.
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

      await sql`delete from daily_stats_digests`;
      const noChangeWithoutDigests = await writeAllRequests(sql, dataset, 0);
      await flushStatistics(sql);
      const afterWithoutDigests = await readTableStatistics(sql, 'daily_stats');

      const changedUpsert = await writeAllRequests(sql, dataset, 1);

      return {
        rows: counted?.rows ?? 0,
        firstLoad,
        noChange,
        noChangeWithoutDigests,
        changedUpsert,
        noChangeDeadTuples: deadTuplesBetween(before, after),
        noChangeWithoutDigestsDeadTuples: deadTuplesBetween(after, afterWithoutDigests),
        statisticsFlushed,
      };
    }),
  );
}

/**
 * Returns the larger of `n_dead_tup` at the end and the rows updated or
 * deleted between the two readings, because autovacuum may clear
 * `n_dead_tup` in the meantime.
 */
function deadTuplesBetween(before: TableStatistics, after: TableStatistics): number {
  const rewritten = after.updatedTuples - before.updatedTuples + (after.deletedTuples - before.deletedTuples);
  return Math.max(after.deadTuples, rewritten);
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
