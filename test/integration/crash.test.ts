import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Sql } from '../../lib/db';
import { addDays, daysBetween, toIsoDate, type IsoDate } from '../../lib/time';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { killRunningScripts, pollUntil, runScript, startScript, type ScriptExit } from '../support/faultProcesses';
import { compareUsage, fetchSimulatorUsage, readStoredUsage, usageWithin } from '../support/faultUsage';
import { connectMigrated, resetTables } from '../support/schema';

// A 300-day full sync is 10 requests of 30 days, and each upstream request
// waits LATENCY_MS, so there is time to kill the process between two of them.
const HISTORY_DAYS = 300;
const DAYS_PER_REQUEST = 30;
const DEVELOPERS = 40;
const LATENCY_MS = 600;

// The simulator's clock is fixed near the real time, because `sync:once` reads
// the real clock to find today.
// NOTE: a run that crosses 00:00 UTC computes another today than these constants and fails.
const SIMULATOR_NOW = new Date();
const TODAY = toIsoDate(SIMULATOR_NOW.getTime());
const YESTERDAY = addDays(TODAY, -1);
const START_DATE = addDays(TODAY, -(HISTORY_DAYS - 1));

let database: TestDatabase;
let sql: Sql;
let simulator: RunningSimulator;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = await connectMigrated(database.url);
  simulator = await startSimulator({
    port: 0,
    rateLimitPerMin: 0,
    developers: DEVELOPERS,
    historyDays: HISTORY_DAYS,
    now: () => SIMULATOR_NOW,
    onError: () => {},
  });
});

beforeEach(async () => {
  await resetTables(sql);
  simulator.setFaults({});
});

afterEach(async () => {
  await killRunningScripts();
});

afterAll(async () => {
  await killRunningScripts();
  await simulator?.close();
  await sql?.end();
  await database?.drop();
});

function syncEnvironment(): Record<string, string> {
  return { DATABASE_URL: database.url, CURSOR_API_URL: simulator.url, SYNC_START_DATE: START_DATE };
}

interface SyncStateRow {
  watermark: IsoDate | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  lease_in_future: boolean | null;
  consecutive_failures: number;
}

async function readState(): Promise<SyncStateRow> {
  const [row] = await sql<SyncStateRow[]>`
    select watermark, lease_owner, lease_expires_at, lease_expires_at > now() as lease_in_future, consecutive_failures
    from sync_state where source = 'cursor'
  `;
  return row!;
}

interface RunRow {
  run_id: string;
  trigger: string;
  outcome: string;
  finished_at: Date | null;
  window_start: IsoDate | null;
  window_end: IsoDate | null;
  error: string | null;
}

async function readRuns(): Promise<RunRow[]> {
  return sql<RunRow[]>`
    select run_id, trigger, outcome, finished_at, window_start, window_end, error from sync_runs order by started_at
  `;
}

/**
 * Starts `sync:once` against the slow simulator and kills its process group
 * with SIGKILL as soon as the first request's transaction has committed, so
 * the kill lands while the next request waits for the upstream.
 */
async function killRunAfterFirstCommit(): Promise<ScriptExit> {
  simulator.setFaults({ latencyMs: LATENCY_MS });
  const script = startScript('syncOnce.ts', syncEnvironment());
  let earlyExit: ScriptExit | undefined;
  void script.exited.then((exit) => (earlyExit = exit));

  await pollUntil(
    'the first request of sync:once to commit',
    async () => {
      if (earlyExit !== undefined) {
        throw new Error(`sync:once exited with ${String(earlyExit.exitCode)} before it was killed: ${earlyExit.stderr}`);
      }
      const state = await readState();
      return state.watermark ?? undefined;
    },
    { timeoutMs: 20_000, intervalMs: 20 },
  );
  script.kill('SIGKILL');
  const exit = await script.exited;

  simulator.setFaults({});
  return exit;
}

describe('sync:once killed mid-cycle', () => {
  test('watermark stays within stored data', async () => {
    const exit = await killRunAfterFirstCommit();

    expect(exit.signal).toBe('SIGKILL');
    const state = await readState();
    const watermark = state.watermark!;
    expect(watermark < YESTERDAY, `watermark ${watermark} shows the run finished before the kill`).toBe(true);
    // Each request's rows and its watermark commit together, so the watermark
    // is always the last day of a committed request.
    expect((daysBetween(START_DATE, watermark) + 1) % DAYS_PER_REQUEST).toBe(0);

    const expected = usageWithin(await fetchSimulatorUsage(simulator.url, { start: START_DATE, end: TODAY }), START_DATE, watermark);
    const stored = await readStoredUsage(sql);
    const difference = compareUsage(expected, stored);
    expect(expected.size).toBeGreaterThan(0);
    expect(difference.missing.slice(0, 5), 'developer-days up to the watermark that are not stored').toEqual([]);
    expect(difference.unexpected.slice(0, 5), 'stored developer-days after the watermark').toEqual([]);
    expect(difference.changed.slice(0, 5), 'developer-days stored with other values').toEqual([]);
  });

  test('dead run keeps its lease and row', async () => {
    await killRunAfterFirstCommit();

    const runs = await readRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]?.outcome).toBe('running');
    expect(runs[0]?.finished_at).toBeNull();
    const state = await readState();
    expect(state.lease_owner).toBe(runs[0]?.run_id);
    expect(state.lease_in_future).toBe(true);
  });

  test('rerun while lease is held is skipped', async () => {
    await killRunAfterFirstCommit();
    const before = await readState();

    const rerun = await runScript('syncOnce.ts', syncEnvironment());

    expect(rerun.exitCode).toBe(0);
    expect(rerun.stderr).toContain('another run holds the lease');
    expect(await readRuns()).toHaveLength(1);
    const after = await readState();
    expect(after.watermark).toBe(before.watermark);
    expect(after.lease_owner).toBe(before.lease_owner);
  });

  test('rerun after lease expiry completes window', async () => {
    await killRunAfterFirstCommit();
    const [deadRun] = await readRuns();
    const watermarkAtKill = (await readState()).watermark!;
    // Moving the expiry into the past has the effect of the dead invocation's
    // 15-minute deadline passing, because its lease expires at that deadline.
    await sql`update sync_state set lease_expires_at = now() - interval '1 second'`;

    const rerun = await runScript('syncOnce.ts', syncEnvironment());

    expect(rerun.exitCode, rerun.stderr).toBe(0);
    const state = await readState();
    expect(state.watermark).toBe(YESTERDAY);
    expect(state.lease_owner).toBeNull();
    expect(state.consecutive_failures).toBe(0);

    const runs = await readRuns();
    expect(runs).toHaveLength(2);
    const dead = runs.find((run) => run.run_id === deadRun?.run_id);
    const resumed = runs.find((run) => run.run_id !== deadRun?.run_id);
    expect(dead?.outcome).toBe('failure');
    expect(dead?.error).toContain('stopped without finishing');
    expect(resumed?.outcome).toBe('success');
    expect(resumed?.window_start).toBe(addDays(watermarkAtKill, 1));
    expect(resumed?.window_end).toBe(TODAY);

    const expected = await fetchSimulatorUsage(simulator.url, { start: START_DATE, end: TODAY });
    const stored = await readStoredUsage(sql);
    const difference = compareUsage(expected, stored);
    expect(stored.size).toBe(expected.size);
    expect(difference.missing.slice(0, 5), 'developer-days in the window that are not stored').toEqual([]);
    expect(difference.unexpected.slice(0, 5), 'stored developer-days that the simulator does not have').toEqual([]);
    expect(difference.changed.slice(0, 5), 'developer-days stored with other values').toEqual([]);
  });
});
