import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from './db';

/** Any constant works; it only has to be the same in every process that migrates. */
const MIGRATION_LOCK_KEY = 7_310_412_001;

const MIGRATION_FILE_PATTERN = /^(\d{3,})_[a-z0-9_]+\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Returns the folder of the SQL migrations: `migrations/` under the Lambda
 * task root when deployed, else under the working directory (the project).
 */
export function defaultMigrationsDirectory(taskRoot: string | undefined): string {
  return path.resolve(taskRoot ?? process.cwd(), 'migrations');
}

export async function readMigrations(directory: string): Promise<Migration[]> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = MIGRATION_FILE_PATTERN.exec(file);
    if (match === null) {
      throw new Error(`Invalid migration file name "${file}" in ${directory}: expected NNN_lower_snake_name.sql.`);
    }
    migrations.push({
      version: Number(match[1]),
      name: file.replace(/\.sql$/, ''),
      sql: await readFile(path.join(directory, file), 'utf8'),
    });
  }
  return migrations;
}

/**
 * Applies the pending migrations in order, each in its own transaction, while
 * holding an advisory lock so that concurrent processes migrate once.
 * Returns the names of the migrations it applied.
 */
export async function migrate(sql: Sql, directory: string): Promise<string[]> {
  const migrations = await readMigrations(directory);
  const applied: string[] = [];

  // A session-level advisory lock belongs to one connection, so all the work
  // happens on one reserved connection.
  const connection = await sql.reserve();
  try {
    await connection`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await connection`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )
    `;
    const rows = await connection<{ version: number }[]>`select version from schema_migrations`;
    const done = new Set(rows.map((row) => row.version));

    for (const migration of migrations) {
      if (done.has(migration.version)) {
        continue;
      }
      await connection.unsafe('begin');
      try {
        await connection.unsafe(migration.sql);
        await connection`insert into schema_migrations (version, name) values (${migration.version}, ${migration.name})`;
        await connection.unsafe('commit');
      } catch (error) {
        await connection.unsafe('rollback');
        throw new Error(`Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`, { cause: error });
      }
      applied.push(migration.name);
    }
  } finally {
    await connection`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
    connection.release();
  }
  return applied;
}
