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
  /**
   * The same COPY into a table that also has daily_stats' foreign key to
   * developers, which the sync's writes must check row by row. Reported for
   * comparison; the targets use `durationMs`.
   */
  withForeignKeyMs: number;
}

/**
 * Measures PostgreSQL's limit on this data: `COPY ... FROM STDIN` of every row
 * into an empty table with the definition of `daily_stats` (its columns,
 * defaults, generated column, primary key and index, without the foreign key).
 *
 * The developers are inserted before the timer starts, and the COPY text was
 * built with the dataset, so the time is the server's and the protocol's alone.
 * A second COPY, timed apart, loads a table that has the foreign key too.
 */
export async function measureCopyLimit(serverUrl: string, dataset: Dataset): Promise<CopyLimitResult> {
  return withMigratedDatabase(serverUrl, 'copy', (database) =>
    withSingleConnection(database.url, async (sql) => {
      await insertDevelopers(sql, dataset.emails);
      await sql`create table copy_target (like daily_stats including all)`;
      await sql`create table copy_target_with_foreign_key (like daily_stats including all)`;
      await sql`
        alter table copy_target_with_foreign_key
        add foreign key (developer_id) references developers (id)
      `;

      const started = startTimer();
      await copyInto(sql, 'copy_target', dataset.copyText);
      const durationMs = elapsedMsSince(started);

      const withForeignKeyStarted = startTimer();
      await copyInto(sql, 'copy_target_with_foreign_key', dataset.copyText);
      const withForeignKeyMs = elapsedMsSince(withForeignKeyStarted);

      const [counted] = await sql<{ rows: number }[]>`select count(*)::int as rows from copy_target`;
      return { rows: counted?.rows ?? 0, durationMs, withForeignKeyMs };
    }),
  );
}

async function copyInto(sql: Sql, table: 'copy_target' | 'copy_target_with_foreign_key', buffers: readonly Buffer[]): Promise<void> {
  // The table name is one of two fixed names.
  const writable = await sql.unsafe(`copy ${table} (${DAILY_STATS_COLUMNS.join(', ')}) from stdin`).writable();
  await pipeline(Readable.from(buffers), writable);
}
