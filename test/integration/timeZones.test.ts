import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Sql } from '../../lib/db';
import { runSyncCycle } from '../../lib/syncCycle';
import { addDays, MINUTE, SECOND, toIsoDate } from '../../lib/time';
import { CursorClient } from '../../lib/cursorClient';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { killRunningScripts, runScript } from '../support/faultProcesses';
import { compareUsage, fetchSimulatorUsage, readStoredUsage } from '../support/faultUsage';
import { ManualClock } from '../support/manualClock';
import { connectMigrated, resetTables } from '../support/schema';
import { createCapturingLogger } from '../support/testLogger';

const runFile = promisify(execFile);

const TIME_ZONES = ['America/Los_Angeles', 'Asia/Tokyo', 'UTC'] as const;
/** The default full sync: today and the 89 days before it. */
const FULL_SYNC_DAYS = 90;

let simulator: RunningSimulator;
let simulatorNow = new Date();
const databases: TestDatabase[] = [];
const pools: Sql[] = [];

async function createMigratedDatabase(): Promise<{ sql: Sql; url: string }> {
  const database = await createTestDatabase();
  databases.push(database);
  const sql = await connectMigrated(database.url);
  pools.push(sql);
  return { sql, url: database.url };
}

beforeAll(async () => {
  simulator = await startSimulator({ port: 0, rateLimitPerMin: 0, developers: 20, now: () => simulatorNow, onError: () => {} });
});

afterEach(async () => {
  await killRunningScripts();
});

afterAll(async () => {
  await killRunningScripts();
  await simulator?.close();
  await Promise.all(pools.map((sql) => sql.end()));
  await Promise.all(databases.map((database) => database.drop()));
});

interface SyncedCopy {
  usage: [string, string][];
  watermark: string | null;
  windowStart: string | null;
  windowEnd: string | null;
}

async function readSyncedCopy(sql: Sql): Promise<SyncedCopy> {
  const [state] = await sql<{ watermark: string | null }[]>`select watermark from sync_state`;
  const [run] = await sql<{ window_start: string | null; window_end: string | null }[]>`
    select window_start, window_end from sync_runs
  `;
  return {
    usage: [...(await readStoredUsage(sql)).entries()],
    watermark: state?.watermark ?? null,
    windowStart: run?.window_start ?? null,
    windowEnd: run?.window_end ?? null,
  };
}

describe('sync:once under different TZ', () => {
  test('stores identical dates and values', async () => {
    // `sync:once` reads the real clock, so the simulator's clock follows it.
    // NOTE: a run that crosses 00:00 UTC computes another today than `today` and fails.
    simulatorNow = new Date();
    const today = toIsoDate(simulatorNow.getTime());
    const targets = await Promise.all(
      TIME_ZONES.map(async (timeZone) => ({ timeZone, ...(await createMigratedDatabase()) })),
    );

    const exits = await Promise.all(
      targets.map((target) => runScript('syncOnce.ts', { TZ: target.timeZone, DATABASE_URL: target.url, CURSOR_API_URL: simulator.url })),
    );

    expect(exits.map((exit) => exit.exitCode)).toEqual([0, 0, 0]);
    const [losAngeles, tokyo, utc] = await Promise.all(targets.map((target) => readSyncedCopy(target.sql)));
    expect(utc?.usage.length).toBeGreaterThan(0);
    expect(utc?.watermark).toBe(addDays(today, -1));
    expect(utc?.windowStart).toBe(addDays(today, -(FULL_SYNC_DAYS - 1)));
    expect(utc?.windowEnd).toBe(today);
    expect(losAngeles).toEqual(utc);
    expect(tokyo).toEqual(utc);

    const expected = await fetchSimulatorUsage(simulator.url, { start: addDays(today, -(FULL_SYNC_DAYS - 1)), end: today });
    const difference = compareUsage(expected, new Map(utc?.usage));
    expect(difference.missing.slice(0, 5), 'developer-days that are not stored').toEqual([]);
    expect(difference.unexpected.slice(0, 5), 'stored developer-days that the simulator does not have').toEqual([]);
    expect(difference.changed.slice(0, 5), 'developer-days stored with other values').toEqual([]);
  });

  test.each([
    ['America/Los_Angeles', 420],
    ['Asia/Tokyo', -540],
  ])('child process applies TZ=%s', async (timeZone, offsetMinutes) => {
    // Without its time zone data Node.js falls back to UTC silently, which
    // would make the comparison above prove nothing.
    const { stdout } = await runFile(process.execPath, ['-e', "console.log(new Date('2026-03-11T00:00:30Z').getTimezoneOffset())"], {
      env: { TZ: timeZone },
      timeout: 10_000,
    });

    expect(Number(stdout.trim())).toBe(offsetMinutes);
  });
});

describe('cycle just after 00:00 UTC', () => {
  const JUST_AFTER_MIDNIGHT = '2026-03-11T00:00:30Z';
  const savedTimeZone = process.env.TZ;
  let sql: Sql;

  beforeAll(async () => {
    ({ sql } = await createMigratedDatabase());
  });

  afterEach(() => {
    if (savedTimeZone === undefined) {
      delete process.env.TZ;
    } else {
      process.env.TZ = savedTimeZone;
    }
  });

  test.each([
    // In Tokyo it is already 09:00 on March 11, in Los Angeles still 17:00 on March 10.
    ['Asia/Tokyo', -540],
    ['America/Los_Angeles', 420],
  ])('takes March 10 as yesterday in %s', async (timeZone, offsetMinutes) => {
    await resetTables(sql);
    simulatorNow = new Date(JUST_AFTER_MIDNIGHT);
    process.env.TZ = timeZone;
    expect(new Date(JUST_AFTER_MIDNIGHT).getTimezoneOffset()).toBe(offsetMinutes);
    const clock = new ManualClock(JUST_AFTER_MIDNIGHT);
    const { logger } = createCapturingLogger();
    const source = new CursorClient({
      baseUrl: simulator.url,
      apiKey: undefined,
      requestTimeoutMs: 10 * SECOND,
      maxResponseBytes: 64 * 1024 * 1024,
      clock,
      logger,
    });

    const result = await runSyncCycle(
      {
        sql,
        source,
        clock,
        logger,
        config: { pollIntervalMs: MINUTE, syncLookbackDays: 3, syncStartDate: undefined, retentionDays: 90 },
        secrets: [],
      },
      {
        trigger: 'manual',
        stopRequestsAt: new Date(Date.parse(JUST_AFTER_MIDNIGHT) + 10 * MINUTE),
        leaseExpiresAt: new Date(Date.parse(JUST_AFTER_MIDNIGHT) + 15 * MINUTE),
      },
    );

    expect(result.status).toBe('success');
    const copy = await readSyncedCopy(sql);
    expect(copy.watermark).toBe('2026-03-10');
    expect(copy.windowStart).toBe(addDays('2026-03-11', -(FULL_SYNC_DAYS - 1)));
    expect(copy.windowEnd).toBe('2026-03-11');
    const expected = await fetchSimulatorUsage(simulator.url, { start: copy.windowStart!, end: '2026-03-11' });
    const difference = compareUsage(expected, new Map(copy.usage));
    expect(expected.size).toBeGreaterThan(0);
    expect(difference.missing.slice(0, 5), 'developer-days that are not stored').toEqual([]);
    expect(difference.unexpected.slice(0, 5), 'stored developer-days that the simulator does not have').toEqual([]);
    expect(difference.changed.slice(0, 5), 'developer-days stored with other values').toEqual([]);
  });
});
