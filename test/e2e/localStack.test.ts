import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { embeddedDatabaseUrl } from '../../lib/embeddedDatabaseUrl';
import { findFreePort } from '../support/ports';

// End to end: `npm start` (scripts/start.ts) with the embedded PostgreSQL,
// the simulator and serverless-offline, on free ports and a fresh data folder
// so that it runs beside a developer's own `npm start`.

const ROOT = path.resolve(import.meta.dirname, '../..');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

// The stack is started when the second of the minute lies in
// [START_WINDOW_FIRST_SECOND, 60) or [0, START_WINDOW_END_SECOND).
const START_WINDOW_FIRST_SECOND = 55;
const START_WINDOW_END_SECOND = 20;
const FIRST_SYNC_TIMEOUT_MS = 60 * SECOND;
/** From the first sync to the tick after it, with the start aligned as `waitForStartSecond` does. */
const TICK_TIMEOUT_MS = 75 * SECOND;
const STOP_TIMEOUT_MS = 30 * SECOND;

interface StartedStack {
  process: ChildProcess;
  /** Every line the runner printed, stdout and stderr together. */
  output: string[];
  exited: Promise<number | null>;
}

interface SyncRunRow {
  run_id: string;
  trigger: string;
  started_at: Date;
  window_start: string | null;
  window_end: string | null;
  rows_upserted: number;
  outcome: string;
}

let dataDirectory: string;
let httpPort: number;
let lambdaPort: number;
let databasePort: number;
let stack: StartedStack | undefined;
let sql: postgres.Sql | undefined;

describe('npm start', () => {
  beforeAll(async () => {
    const temporaryDirectory = await mkdtemp(path.join(tmpdir(), 'aggregator-e2e-'));
    // Under root the embedded server runs as `postgres`, which must be able to enter this folder.
    await chmod(temporaryDirectory, 0o755);
    dataDirectory = path.join(temporaryDirectory, 'data');
    [httpPort, lambdaPort, databasePort] = await Promise.all([findFreePort(), findFreePort(), findFreePort()]);
    const simulatorPort = await findFreePort();

    await waitForStartSecond();
    stack = startStack({
      LOCAL_HTTP_PORT: String(httpPort),
      LOCAL_LAMBDA_PORT: String(lambdaPort),
      SIMULATOR_PORT: String(simulatorPort),
      EMBEDDED_DATABASE_PORT: String(databasePort),
      LOCAL_DATA_DIR: dataDirectory,
    });

    await waitForLine(stack, /\[start\] The first sync invocation /, FIRST_SYNC_TIMEOUT_MS);
    sql = postgres(embeddedDatabaseUrl(databasePort), { max: 1, onnotice: () => {} });
    await waitForFirstRunFinished(FIRST_SYNC_TIMEOUT_MS);
  }, MINUTE + 2 * FIRST_SYNC_TIMEOUT_MS);

  afterAll(async () => {
    await sql?.end({ timeout: 1 }).catch(() => {});
    if (stack !== undefined) {
      killProcessGroup(stack.process, 'SIGKILL');
    }
    if (dataDirectory !== undefined) {
      await rm(path.dirname(dataDirectory), { recursive: true, force: true });
    }
  });

  test('first sync runs at startup', async () => {
    const runs = await readSyncRuns();
    const first = runs[0];
    const today = toIsoDate(first?.started_at ?? new Date());

    expect(output()).toContain('[start] The first sync invocation returned');
    expect(first?.trigger).toBe('schedule');
    expect(first?.outcome).toBe('success');
    expect(first?.window_start).toBe(toIsoDate(new Date(Date.parse(today) - 89 * DAY)));
    expect(first?.window_end).toBe(today);
    expect(first?.rows_upserted).toBeGreaterThan(0);
    expect(output()).toMatch(/"message":"Synced \d+\/\d+ developers"/);
  });

  test('health passes after the first sync', async () => {
    const response = await fetch(`http://127.0.0.1:${httpPort}/health`);
    const document = (await response.json()) as {
      status: string;
      checks: Record<string, Array<{ observedValue: unknown }>>;
    };
    const yesterday = toIsoDate(new Date(Date.now() - DAY));

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/health+json');
    expect(document.status).toBe('pass');
    expect(document.checks['sync:watermark']?.[0]?.observedValue).toBe(yesterday);
  });

  test(
    'schedule tick runs the next sync',
    async () => {
      const first = (await readSyncRuns())[0];
      expect(first).toBeDefined();

      const deadline = Date.now() + TICK_TIMEOUT_MS;
      let runs = await readSyncRuns();
      while (runs.length < 2 && Date.now() < deadline) {
        await sleep(SECOND);
        runs = await readSyncRuns();
      }
      const second = runs[1];

      expect(runs.length, `sync_runs after ${TICK_TIMEOUT_MS / SECOND} s: ${JSON.stringify(runs)}`).toBeGreaterThanOrEqual(2);
      expect(second?.trigger).toBe('schedule');
      expect(second?.outcome).toBe('success');
      // serverless-offline fires `rate(1 minute)` at each minute boundary, so
      // a run it started begins within a few seconds after one.
      expect(second?.started_at.getUTCSeconds()).toBeLessThan(5);
      expect(output()).toContain('Successfully invoked scheduled function: [sync]');
    },
    TICK_TIMEOUT_MS + 15 * SECOND,
  );

  test(
    'SIGTERM stops every process',
    async () => {
      const running = requireStack();
      await sql?.end({ timeout: 1 });
      sql = undefined;

      running.process.kill('SIGTERM');
      const exitCode = await Promise.race([running.exited, sleep(STOP_TIMEOUT_MS).then(() => 'timed out' as const)]);
      // Lets the children that received SIGTERM finish exiting.
      await waitForEmptyProcessGroup(running.process, 5 * SECOND);

      expect(exitCode).toBe(0);
      expect(processGroupExists(running.process)).toBe(false);
      expect(output()).toContain('[start] Stopped PostgreSQL.');
    },
    STOP_TIMEOUT_MS + 15 * SECOND,
  );
});

/**
 * Starts scripts/start.ts as the leader of a new process group, so that
 * afterAll can kill it with every process it started, whatever state the
 * test left it in.
 */
function startStack(variables: Record<string, string>): StartedStack {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start.ts')], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Only what the stack needs, so that the developer's own settings (a
    // DATABASE_URL, a CURSOR_API_URL) do not leak in.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      AWS_ACCESS_KEY_ID: 'test-dummy-key-id',
      AWS_SECRET_ACCESS_KEY: 'test-dummy-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...variables,
    },
  });

  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => output.push(line));
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output, exited };
}

/**
 * Waits until the current second of the minute lies in the start window, so
 * that the first cycle starts (about 3 s after the stack) at least 30 s before
 * the next minute boundary. With the 60 s poll interval a cycle is due half a
 * tick early, so a tick finds one due once 30 s have passed since the last
 * one started. Therefore the next tick, at most about 65 s after the first
 * cycle, runs the next one.
 */
async function waitForStartSecond(): Promise<void> {
  const second = new Date().getUTCSeconds();
  if (second >= START_WINDOW_FIRST_SECOND || second < START_WINDOW_END_SECOND) {
    return;
  }
  const waitSeconds = START_WINDOW_FIRST_SECOND - second;
  await sleep(waitSeconds * SECOND - new Date().getUTCMilliseconds());
}

/** Waits until the first sync_runs row has an outcome; a schedule tick may have started it. */
async function waitForFirstRunFinished(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const first = (await readSyncRuns())[0];
    if (first !== undefined && first.outcome !== 'running') {
      return;
    }
    await sleep(200);
  }
  throw new Error(`The first sync did not finish within ${timeoutMs / SECOND} s:\n${tail(requireStack().output)}`);
}

async function waitForLine(started: StartedStack, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.output.some((line) => pattern.test(line))) {
      return;
    }
    if (started.process.exitCode !== null || started.process.signalCode !== null) {
      throw new Error(`npm start exited before printing ${pattern}:\n${tail(started.output)}`);
    }
    await sleep(200);
  }
  throw new Error(`npm start did not print ${pattern} within ${timeoutMs / SECOND} s:\n${tail(started.output)}`);
}

async function readSyncRuns(): Promise<SyncRunRow[]> {
  if (sql === undefined) {
    throw new Error('The database connection is not open.');
  }
  return sql<SyncRunRow[]>`
    select run_id, trigger, started_at, window_start::text, window_end::text, rows_upserted, outcome
    from sync_runs
    order by started_at
  `;
}

function requireStack(): StartedStack {
  if (stack === undefined) {
    throw new Error('npm start is not running.');
  }
  return stack;
}

function output(): string {
  return requireStack().output.join('\n');
}

function tail(lines: string[]): string {
  return lines.slice(-40).join('\n');
}

function toIsoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function killProcessGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) {
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group has no processes left.
  }
}

function processGroupExists(child: ChildProcess): boolean {
  if (child.pid === undefined) {
    return false;
  }
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForEmptyProcessGroup(child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (processGroupExists(child) && Date.now() < deadline) {
    await sleep(100);
  }
}

