import path from 'node:path';
import { connect, type Sql } from '../../lib/db';
import { migrate } from '../../lib/migrations';

export const MIGRATIONS_DIRECTORY = path.resolve(import.meta.dirname, '../../migrations');

/** Connects to a test database and applies the migrations. */
export async function connectMigrated(url: string): Promise<Sql> {
  const sql = connect(url, { maxConnections: 4 });
  await migrate(sql, MIGRATIONS_DIRECTORY);
  return sql;
}

/** Empties every table and puts the state row back to its initial values. */
export async function resetTables(sql: Sql): Promise<void> {
  await sql`truncate daily_stats, developers, sync_runs, rejected_records restart identity cascade`;
  await sql`delete from sync_state`;
  await sql`insert into sync_state (source) values ('cursor')`;
}
