import type { Sql } from '../lib/db';

/** The first PostgreSQL version with pg_stat_force_next_flush() (server_version_num). */
const FORCE_FLUSH_MIN_VERSION = 150_000;

/**
 * Before PostgreSQL 15 a backend sends its counts to the statistics collector
 * at most every 500 ms (PGSTAT_STAT_INTERVAL), so the bench waits longer than that.
 */
const COLLECTOR_WAIT_MS = 1_500;

export interface TableStatistics {
  deadTuples: number;
  /** Rows updated since the statistics were reset, HOT updates included. */
  updatedTuples: number;
  deletedTuples: number;
}

/**
 * Makes the statistics of this connection's backend visible to other
 * sessions. The pool must have one connection, so that the backend that
 * wrote the rows is the one flushed. Returns false when the flush could only
 * be waited for (PostgreSQL 14), so the figures may lag.
 */
export async function flushStatistics(sql: Sql): Promise<boolean> {
  const [version] = await sql<{ server_version_num: string }[]>`show server_version_num`;
  if (Number(version?.server_version_num) >= FORCE_FLUSH_MIN_VERSION) {
    // The backend flushes before it reports ready for the next query, so the
    // counts are visible once this statement has returned.
    await sql`select pg_stat_force_next_flush()`;
    return true;
  }
  await new Promise((resolve) => setTimeout(resolve, COLLECTOR_WAIT_MS));
  await sql`select pg_stat_clear_snapshot()`;
  return false;
}

export async function readTableStatistics(sql: Sql, table: string): Promise<TableStatistics> {
  const [row] = await sql<{ n_dead_tup: string; n_tup_upd: string; n_tup_del: string }[]>`
    select n_dead_tup, n_tup_upd, n_tup_del from pg_stat_user_tables where relname = ${table}
  `;
  if (row === undefined) {
    throw new Error(`Table ${table} is not in pg_stat_user_tables of this database.`);
  }
  return {
    deadTuples: Number(row.n_dead_tup),
    updatedTuples: Number(row.n_tup_upd),
    deletedTuples: Number(row.n_tup_del),
  };
}
