import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql } from '../lib/db';
import type { Dataset } from './dataset';
import { withMigratedDatabase, withSingleConnection } from './database';
import { DAILY_STATS_COLUMNS, insertDevelopers } from './dailyStatsRows';
import { elapsedMsSince, startTimer } from './timing';

export interface CopyLimitResult {
  rows: number;
  durationMs: number;
}

/**
 * Measures PostgreSQL's limit on this data: `COPY ... FROM STDIN` of every row
 * into an empty table with the definition of `daily_stats` (its columns,
 * defaults, generated column, primary key and index, without the foreign key).
 *
 * The developers are inserted before the timer starts, and the COPY text was
 * built with the dataset, so the time is the server's and the protocol's alone.
 */
export async function measureCopyLimit(serverUrl: string, dataset: Dataset): Promise<CopyLimitResult> {
  return withMigratedDatabase(serverUrl, 'copy', (database) =>
    withSingleConnection(database.url, async (sql) => {
      await insertDevelopers(sql, dataset.emails);
      await sql`create table copy_target (like daily_stats including all)`;

      const started = startTimer();
      await copyInto(sql, dataset.copyText);
      const durationMs = elapsedMsSince(started);

      const [counted] = await sql<{ rows: number }[]>`select count(*)::int as rows from copy_target`;
      return { rows: counted?.rows ?? 0, durationMs };
    }),
  );
}

async function copyInto(sql: Sql, buffers: readonly Buffer[]): Promise<void> {
  const writable = await sql.unsafe(`copy copy_target (${DAILY_STATS_COLUMNS.join(', ')}) from stdin`).writable();
  await pipeline(Readable.from(buffers), writable);
}
