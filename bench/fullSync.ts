import path from 'node:path';
import postgres from 'postgres';
import { CONFIG_VARIABLES } from '../lib/config';
import { spawnTracked, waitForExit } from './childProcesses';
import { SYNC_FUNCTION_NODE_OPTIONS } from './functionOptions';
import { elapsedMsSince, startTimer } from './timing';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '..');
const SYNC_TIMEOUT_MS = 5 * 60_000;
const RESULT_PATTERN = /^BENCH_RESULT (\{.*\})$/m;


export interface FullSyncResult {
  /** The handler's invocation, from call to return: migrations check, members, fetch, validation, upsert, watermark, run record. */
  durationMs: number;
  /** Loading the bundle, before the handler is called: what Lambda reports as part of the init duration. */
  loadMs: number;
  /** Wall time of the child process, from spawn to exit, Node.js start-up included. */
  processMs: number;
  /** The cycle's own duration, from its `Cycle finished` log line. */
  cycleDurationMs: number | null;
  rowsChanged: number | null;
  /** Rows in `daily_stats` after the process exited. */
  rowsStored: number;
  peakRssKb: number;
}

/**
 * Runs the full sync the way the deployed function does: a plain Node.js
 * process, with the function's NODE_OPTIONS, loads the `sync` bundle that
 * esbuild built with the deployment's options and invokes its handler once
 * (bench/invokeBundledSync.cjs). The handler's own duration is the figure d;
 * the process's start-up and the bundle's load are reported beside it.
 * NODE_PATH points at the repository's node_modules for the `@aws-sdk/*`
 * packages left out of the bundle, as the Lambda runtime provides them.
 */
export async function runFullSync(options: {
  databaseUrl: string;
  cursorApiUrl: string;
  syncStartDate: string;
  syncBundle: string;
}): Promise<FullSyncResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The child gets only the configuration variables set below.
  for (const variable of CONFIG_VARIABLES) {
    delete env[variable];
  }
  delete env.NODE_OPTIONS;
  Object.assign(env, {
    DATABASE_URL: options.databaseUrl,
    CURSOR_API_URL: options.cursorApiUrl,
    SYNC_START_DATE: options.syncStartDate,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    NODE_PATH: path.join(REPOSITORY_ROOT, 'node_modules'),
    // The sync reads no SSM parameter here; these keep any AWS SDK client off real credentials.
    AWS_ACCESS_KEY_ID: 'bench-dummy',
    AWS_SECRET_ACCESS_KEY: 'bench-dummy',
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  const started = startTimer();
  const child = spawnTracked(
    process.execPath,
    [...SYNC_FUNCTION_NODE_OPTIONS, path.join(REPOSITORY_ROOT, 'bench/invokeBundledSync.cjs'), options.syncBundle],
    { cwd: REPOSITORY_ROOT, env },
  );
  const finished = await waitForExit(child, SYNC_TIMEOUT_MS, 'The full sync process');
  const processMs = elapsedMsSince(started);

  if (finished.exitCode !== 0) {
    const output = `${finished.stderr}\n${lastLines(finished.stdout, 5)}`.trim();
    throw new Error(`The full sync process exited with ${finished.exitCode ?? finished.signal}: ${output}`);
  }
  const reported = RESULT_PATTERN.exec(finished.stderr);
  if (reported === null) {
    throw new Error(`The full sync process did not report its result: ${finished.stderr.trim()}`);
  }
  const result = JSON.parse(reported[1]!) as { loadMs: number; handlerMs: number; status: string; error: string | null; peakRssKb: number };
  if (result.status !== 'success') {
    throw new Error(`The full sync ended with status ${result.status}: ${result.error ?? 'no error given'}`);
  }
  const cycle = findCycleFinished(finished.stdout);

  return {
    durationMs: result.handlerMs,
    loadMs: result.loadMs,
    processMs,
    cycleDurationMs: cycle?.durationMs ?? null,
    rowsChanged: cycle?.rowsChanged ?? null,
    rowsStored: await countStoredRows(options.databaseUrl),
    peakRssKb: result.peakRssKb,
  };
}

/**
 * Sets the watermark back to null, so the next sync is a full sync again over
 * the stored rows, and analyzes `daily_stats`, so that sync is planned with
 * statistics whether or not autovacuum has run yet.
 */
export async function prepareSecondFullSync(databaseUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`update sync_state set watermark = null`;
    await sql`analyze daily_stats`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function countStoredRows(databaseUrl: string): Promise<number> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ rows: number }[]>`select count(*)::int as rows from daily_stats`;
    return row?.rows ?? 0;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function findCycleFinished(stdout: string): { durationMs: number; rowsChanged: number } | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.includes('"Cycle finished"')) {
      continue;
    }
    try {
      const entry = JSON.parse(line) as { durationMs?: unknown; rowsChanged?: unknown };
      if (typeof entry.durationMs === 'number' && typeof entry.rowsChanged === 'number') {
        return { durationMs: entry.durationMs, rowsChanged: entry.rowsChanged };
      }
    } catch {
      // Not a JSON log line; keep looking.
    }
  }
  return undefined;
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
