import type { Sql } from './db';
import { toError } from './errors';
import { databaseUnreachableHealth, rateSyncHealth, type HealthDocument } from './healthReport';
import { isConnectionCode, redactSecrets } from './sanitize';
import { readSyncState } from './sql/readSyncState';
import { SECOND } from './time';

/** The health check returns `fail` rather than hang when the database takes longer than this. */
export const HEALTH_DATABASE_TIMEOUT_MS = 3 * SECOND;

const UNDEFINED_TABLE = '42P01';

export interface HealthInput {
  sql: Sql;
  now: () => Date;
  secrets: readonly (string | undefined)[];
  timeoutMs?: number;
}

/** Reads the sync state and rates it; a database that fails or is slow yields `fail`. */
export async function checkHealth(input: HealthInput): Promise<{ document: HealthDocument; databaseFailed: boolean }> {
  const startedAt = performance.now();
  const timeoutMs = input.timeoutMs ?? HEALTH_DATABASE_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'HEALTH_TIMEOUT' })),
        timeoutMs,
      );
    });
    const state = await Promise.race([readStateOrNull(input.sql), timeout]);
    const latencyMs = Math.round(performance.now() - startedAt);
    return { document: rateSyncHealth(state, input.now(), latencyMs), databaseFailed: false };
  } catch (thrown) {
    const output = describeDatabaseFailure(thrown, input.secrets);
    return { document: databaseUnreachableHealth(input.now(), output), databaseFailed: true };
  } finally {
    clearTimeout(timer);
  }
}

async function readStateOrNull(sql: Sql): ReturnType<typeof readSyncState> {
  // Before the first sync has migrated the database there is no table yet;
  // checking first keeps PostgreSQL from logging an error for every probe.
  const [table] = await sql<{ exists: boolean }[]>`select to_regclass('sync_state') is not null as exists`;
  if (table?.exists !== true) {
    return null;
  }
  try {
    return await readSyncState(sql);
  } catch (error) {
    // The table may still disappear between the check and the read.
    if ((error as { code?: string }).code === UNDEFINED_TABLE) {
      return null;
    }
    throw error;
  }
}

function describeDatabaseFailure(thrown: unknown, secrets: readonly (string | undefined)[]): string {
  const error = toError(thrown);
  const code = (error as { code?: unknown }).code;
  if (code === 'HEALTH_TIMEOUT') {
    return `Database unreachable: ${error.message}.`;
  }
  if (typeof code === 'string' && isConnectionCode(code)) {
    return `Database unreachable (${code}).`;
  }
  return redactSecrets(`Database query failed${typeof code === 'string' ? ` (${code})` : ''}: ${error.message}`, secrets).slice(0, 300);
}
