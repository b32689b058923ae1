import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CursorClient } from '../../lib/cursorClient';
import { connect, type Sql } from '../../lib/db';
import type { CycleResult } from '../../lib/syncCycle';
import { runSyncInvocation } from '../../lib/syncInvocation';
import { addDays, MINUTE, SECOND, toIsoDate } from '../../lib/time';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { killRunningScripts, runScript } from '../support/faultProcesses';
import { compareUsage, fetchSimulatorUsage, readStoredUsage, type UsageByDay } from '../support/faultUsage';
import { ManualClock } from '../support/manualClock';
import { connectMigrated, resetTables } from '../support/schema';
import { createCapturingLogger, type CapturedLog } from '../support/testLogger';

const NOW = '2026-03-10T12:30:00Z';
const TODAY = '2026-03-10';
const DEVELOPERS = 20;
/** The default full sync: today and the 89 days before it. */
const FULL_SYNC_DAYS = 90;

let database: TestDatabase;
let sql: Sql;
let simulator: RunningSimulator;
let simulatorNow = new Date(NOW);

beforeAll(async () => {
  database = await createTestDatabase();
  sql = await connectMigrated(database.url);
  simulator = await startSimulator({
    port: 0,
    rateLimitPerMin: 0,
    developers: DEVELOPERS,
    now: () => simulatorNow,
    onError: () => {},
  });
});

beforeEach(async () => {
  await resetTables(sql);
  simulator.setFaults({});
  simulatorNow = new Date(NOW);
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

interface InvocationOutcome {
  cycles: CycleResult[];
  logs: CapturedLog[];
}

/**
 * Starts `count` scheduled invocations at once, each with its own connection
 * pool, clock, upstream client and logger, as separate Lambda containers would.
 */
async function invokeAtOnce(count: number): Promise<InvocationOutcome[]> {
  const pools = Array.from({ length: count }, () => connect(database.url, { maxConnections: 2, applicationName: 'overlap-test' }));
  try {
    return await Promise.all(
      pools.map(async (pool) => {
        const { logger, lines } = createCapturingLogger();
        const clock = new ManualClock(NOW);
        const source = new CursorClient({
          baseUrl: simulator.url,
          apiKey: undefined,
          requestTimeoutMs: 10 * SECOND,
          maxResponseBytes: 64 * 1024 * 1024,
          clock,
          logger,
        });
        const result = await runSyncInvocation(
          {
            sql: pool,
            source,
            clock,
            logger,
            config: { pollIntervalMs: MINUTE, syncLookbackDays: 3, syncStartDate: undefined, retentionDays: 90 },
            secrets: [],
          },
          { trigger: 'schedule', deadline: new Date(Date.parse(NOW) + 15 * MINUTE), requestBudgetMs: 30 * SECOND },
        );
        return { cycles: result.cycles, logs: lines };
      }),
    );
  } finally {
    await Promise.all(pools.map((pool) => pool.end({ timeout: 5 })));
  }
}

async function readRuns(): Promise<{ run_id: string; outcome: string; trigger: string }[]> {
  return sql<{ run_id: string; outcome: string; trigger: string }[]>`select run_id, outcome, trigger from sync_runs`;
}

async function expectStoredUsage(expected: UsageByDay): Promise<void> {
  const stored = await readStoredUsage(sql);
  const difference = compareUsage(expected, stored);
  const [rows] = await sql<{ count: number }[]>`select count(*)::int as count from daily_stats`;
  expect(expected.size).toBeGreaterThan(0);
  expect(rows?.count).toBe(expected.size);
  expect(difference.missing.slice(0, 5), 'developer-days that are not stored').toEqual([]);
  expect(difference.unexpected.slice(0, 5), 'stored developer-days that the simulator does not have').toEqual([]);
  expect(difference.changed.slice(0, 5), 'developer-days stored with other values').toEqual([]);
}

describe.each([2, 10])('%i scheduled invocations at once', (count) => {
  test('run exactly one cycle', async () => {
    // Each upstream request waits, so the first cycle still holds the lease
    // when every other invocation tries to take it.
    simulator.setFaults({ latencyMs: 300 });

    const outcomes = await invokeAtOnce(count);

    const cycles = outcomes.flatMap((outcome) => outcome.cycles);
    expect(cycles).toHaveLength(count);
    const winners = cycles.filter((cycle) => cycle.status === 'success');
    const skipped = cycles.filter((cycle) => cycle.status === 'lease_held');
    expect(winners).toHaveLength(1);
    expect(skipped).toHaveLength(count - 1);

    const runs = await readRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]?.run_id).toBe(winners[0]?.status === 'success' ? winners[0].runId : undefined);
    expect(runs[0]?.outcome).toBe('success');
  });

  test('skipped ones log the lease holder', async () => {
    simulator.setFaults({ latencyMs: 300 });

    const outcomes = await invokeAtOnce(count);

    const winner = outcomes.flatMap((outcome) => outcome.cycles).find((cycle) => cycle.status === 'success');
    const winnerRunId = winner?.status === 'success' ? winner.runId : undefined;
    const skippedOutcomes = outcomes.filter((outcome) => outcome.cycles[0]?.status === 'lease_held');
    expect(skippedOutcomes).toHaveLength(count - 1);
    for (const outcome of skippedOutcomes) {
      const skipLines = outcome.logs.filter((line) => line.message === 'Skipped: another run holds the lease');
      expect(skipLines).toHaveLength(1);
      expect(skipLines[0]?.leaseOwner).toBe(winnerRunId);
      expect(outcome.logs.some((line) => line.message === 'Cycle started')).toBe(false);
    }
  });

  test('store each developer-day once', async () => {
    simulator.setFaults({ latencyMs: 300 });

    await invokeAtOnce(count);

    simulator.setFaults({});
    const expected = await fetchSimulatorUsage(simulator.url, { start: addDays(TODAY, -(FULL_SYNC_DAYS - 1)), end: TODAY });
    await expectStoredUsage(expected);
  });
});

describe('ten sync:once processes at once', () => {
  test('run exactly one cycle', async () => {
    // `sync:once` reads the real clock, so the simulator's clock follows it.
    // NOTE: a run that crosses 00:00 UTC computes another today than `today` and fails.
    simulatorNow = new Date();
    const today = toIsoDate(simulatorNow.getTime());
    // A manual trigger ignores the poll interval, so only the lease keeps a
    // process that starts after another from running a second cycle. The
    // latency keeps the first cycle running longer than the ten processes
    // take to start.
    simulator.setFaults({ latencyMs: 1500 });
    const env = { DATABASE_URL: database.url, CURSOR_API_URL: simulator.url };

    const exits = await Promise.all(Array.from({ length: 10 }, () => runScript('syncOnce.ts', env)));

    expect(exits.map((exit) => exit.exitCode)).toEqual(Array.from({ length: 10 }, () => 0));
    expect(exits.filter((exit) => exit.stderr.includes('another run holds the lease'))).toHaveLength(9);
    const runs = await readRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]?.outcome).toBe('success');
    expect(runs[0]?.trigger).toBe('manual');

    simulator.setFaults({});
    const expected = await fetchSimulatorUsage(simulator.url, { start: addDays(today, -(FULL_SYNC_DAYS - 1)), end: today });
    await expectStoredUsage(expected);
  });
});
