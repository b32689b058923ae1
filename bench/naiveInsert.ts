import { validatedRequest, type Dataset } from './dataset';
import { withMigratedDatabase, withSingleConnection } from './database';
import { DAILY_STATS_COLUMNS, developerIdOf, insertDevelopers, rowValues } from './dailyStatsRows';
import { elapsedMsSince, startTimer } from './timing';

const VALUE_COLUMNS = DAILY_STATS_COLUMNS.slice(2);

/** One row per statement, as tutorials write it; the column names are fixed, every value is a parameter. */
const INSERT_ONE_ROW = `
  insert into daily_stats (${DAILY_STATS_COLUMNS.join(', ')})
  values (${DAILY_STATS_COLUMNS.map((_, index) => `$${index + 1}`).join(', ')})
  on conflict (developer_id, date) do update
  set ${VALUE_COLUMNS.map((column) => `${column} = excluded.${column}`).join(', ')}, synced_at = now()
`;

export interface NaiveInsertResult {
  rows: number;
  durationMs: number;
}

/**
 * Measures the naive baseline: one prepared `INSERT ... ON CONFLICT DO UPDATE`
 * per row, each in its own transaction (autocommit), awaited one after the
 * other, into the real `daily_stats` of a fresh database. The developers are
 * inserted, and each request's records validated, while the timer is stopped.
 */
export async function measureNaiveInsert(serverUrl: string, dataset: Dataset): Promise<NaiveInsertResult> {
  return withMigratedDatabase(serverUrl, 'naive', (database) =>
    withSingleConnection(database.url, async (sql) => {
      const developerIds = await insertDevelopers(sql, dataset.emails);

      let durationMs = 0;
      for (const request of dataset.requests) {
        const records = validatedRequest(dataset, request, 0);
        const started = startTimer();
        for (const record of records) {
          await sql.unsafe(INSERT_ONE_ROW, rowValues(record, developerIdOf(developerIds, record.email)), { prepare: true });
        }
        durationMs += elapsedMsSince(started);
      }

      const [counted] = await sql<{ rows: number }[]>`select count(*)::int as rows from daily_stats`;
      return { rows: counted?.rows ?? 0, durationMs };
    }),
  );
}
