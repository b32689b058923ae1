import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { CONFIG_VARIABLES } from '../lib/config';
import { spawnTracked, waitForExit } from './childProcesses';
import { elapsedMsSince, startTimer } from './timing';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '..');
const SYNC_TIMEOUT_MS = 5 * 60_000;
const PEAK_RSS_PATTERN = /^BENCH_PEAK_RSS_KB (\d+)$/m;

/**
 * The V8 heap flags of `npm run sync:once`, read from package.json so the
 * bench measures the sync the way it runs.
 */
const SYNC_HEAP_FLAGS: string[] = (
  JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts['sync:once']!
  .split(/\s+/)
  .filter((word) => word.startsWith('--max-'));


export interface FullSyncResult {
  /** Wall time of the process, from spawn to exit: start-up, migrations check, the cycle and shutdown. */
  durationMs: number;
  /** The cycle's own duration, from its `Cycle finished` log line. */
  cycleDurationMs: number | null;
  rowsChanged: number | null;
  /** Rows in `daily_stats` after the process exited. */
  rowsStored: number;
  peakRssKb: number;
}

/**
 * Runs `npm run sync:once` (scripts/syncOnce.ts) as its own Node.js process:
 * the `sync` handler's full cycle against the simulator over HTTP, with
 * validation, upsert and watermark. The process is plain `node --import tsx`,
 * without npm or the tsx command in between, so its peak memory is the
 * sync's own plus the TypeScript loader's.
 */
export async function runFullSync(options: { databaseUrl: string; cursorApiUrl: string; syncStartDate: string }): Promise<FullSyncResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The child gets only the configuration variables set below.
  for (const variable of CONFIG_VARIABLES) {
    delete env[variable];
  }
  Object.assign(env, {
    DATABASE_URL: options.databaseUrl,
    CURSOR_API_URL: options.cursorApiUrl,
    SYNC_START_DATE: options.syncStartDate,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    // The sync reads no SSM parameter here; these keep any AWS SDK client off real credentials.
    AWS_ACCESS_KEY_ID: 'bench-dummy',
    AWS_SECRET_ACCESS_KEY: 'bench-dummy',
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  const started = startTimer();
  // The same heap limits as `npm run sync:once` and the deployed function.
  const child = spawnTracked(process.execPath, [...SYNC_HEAP_FLAGS, '--import', 'tsx', '--import', './bench/peakMemoryReporter.ts', 'scripts/syncOnce.ts'], {
    cwd: REPOSITORY_ROOT,
    env,
  });
  const finished = await waitForExit(child, SYNC_TIMEOUT_MS, 'The full sync process');
  const durationMs = elapsedMsSince(started);

  if (finished.exitCode !== 0) {
    const output = `${finished.stderr}\n${lastLines(finished.stdout, 5)}`.trim();
    throw new Error(`The full sync process exited with ${finished.exitCode ?? finished.signal}: ${output}`);
  }
  const peak = PEAK_RSS_PATTERN.exec(finished.stderr);
  if (peak === null) {
    throw new Error('The full sync process did not report its peak memory; bench/peakMemoryReporter.ts was not loaded.');
  }
  const cycle = findCycleFinished(finished.stdout);

  return {
    durationMs,
    cycleDurationMs: cycle?.durationMs ?? null,
    rowsChanged: cycle?.rowsChanged ?? null,
    rowsStored: await countStoredRows(options.databaseUrl),
    peakRssKb: Number(peak[1]),
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
