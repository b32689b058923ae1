import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CursorClient } from '../../lib/cursorClient';
import type { Sql } from '../../lib/db';
import { runSyncCycle, type CycleDependencies, type CycleOptions } from '../../lib/syncCycle';
import { HOUR, MINUTE, SECOND, type Clock } from '../../lib/time';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { expectStatus } from '../support/cycleResult';
import { connectMigrated, resetTables } from '../support/schema';
import { createCapturingLogger, type CapturedLog } from '../support/testLogger';

const API_KEY = 'key_simulator_test_0123456789';
const SIMULATOR_START = Date.parse('2026-03-10T12:10:00Z');

let database: TestDatabase;
let sql: Sql;
let simulator: RunningSimulator;
let simulatorNowMs = SIMULATOR_START;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = await connectMigrated(database.url);
  simulator = await startSimulator({
    port: 0,
    apiKey: API_KEY,
    rateLimitPerMin: 0,
    now: () => new Date(simulatorNowMs),
    onError: () => {},
  });
});

afterAll(async () => {
  await simulator?.close();
  await sql?.end();
  await database?.drop();
});

let logs: CapturedLog[];
let sleeps: number[];

beforeEach(async () => {
  await resetTables(sql);
  simulatorNowMs = SIMULATOR_START;
  simulator.setFaults({});
  sleeps = [];
});

afterEach(() => {
  simulator.setFaults({});
});

/** The sync's clock follows the simulator's, and sleeping only records the delay. */
const clock: Clock = {
  now: () => new Date(simulatorNowMs),
  sleep: async (ms) => {
    sleeps.push(ms);
  },
};

function dependencies(apiKey = API_KEY): CycleDependencies {
  const captured = createCapturingLogger();
  logs = captured.lines;
  const source = new CursorClient({
    baseUrl: simulator.url,
    apiKey,
    requestTimeoutMs: 10 * SECOND,
    maxResponseBytes: 64 * 1024 * 1024,
    clock,
    logger: captured.logger,
  });
  return {
    sql,
    source,
    clock,
    logger: captured.logger,
    config: { pollIntervalMs: MINUTE, syncLookbackDays: 3, syncStartDate: undefined, retentionDays: 90 },
    secrets: [apiKey],
  };
}

function manual(): CycleOptions {
  const nowMs = simulatorNowMs;
  return {
    trigger: 'manual',
    stopRequestsAt: new Date(nowMs + 10 * MINUTE),
    leaseExpiresAt: new Date(nowMs + 15 * MINUTE),
  };
}

describe('sync against the simulator', () => {
  test('full sync stores all developers', async () => {
    const result = await runSyncCycle(dependencies(), manual());

    expect(result.status).toBe('success');
    const [run] = await sql`select developers, rows_upserted, rows_changed from sync_runs`;
    expect(run?.developers).toBe(100);
    expect(run?.rows_changed).toBe(run?.rows_upserted);
    const [state] = await sql`select watermark from sync_state`;
    expect(state?.watermark).toBe('2026-03-09');
  });

  test('progress ends at total per request', async () => {
    await runSyncCycle(dependencies(), manual());

    const progress = logs.filter((line) => line.message.startsWith('Synced '));
    expect(progress).toHaveLength(3);
    for (const line of progress) {
      expect(line.synced).toBe(line.total);
    }
  });

  test('same hour re-sync changes no row', async () => {
    await runSyncCycle(dependencies(), manual());
    const [before] = await sql`select count(*)::int as rows, max(synced_at) as last from daily_stats`;

    const result = await runSyncCycle(dependencies(), manual());

    expect(expectStatus(result, 'success').rowsChanged).toBe(0);
    const [after] = await sql`select count(*)::int as rows, max(synced_at) as last from daily_stats`;
    expect(after?.rows).toBe(before?.rows);
    expect(after?.last).toEqual(before?.last);
  });

  test('next hour updates recent days', async () => {
    await runSyncCycle(dependencies(), manual());
    simulatorNowMs += HOUR;

    const result = await runSyncCycle(dependencies(), manual());

    expect(result.status).toBe('success');
    const changedDays = await sql<{ date: string }[]>`
      select distinct date from daily_stats where synced_at = (select max(synced_at) from daily_stats) order by date
    `;
    expect(changedDays.map((row) => row.date).every((date) => date >= '2026-03-08')).toBe(true);
    expect(expectStatus(result, 'success').rowsChanged).toBeGreaterThan(0);
  });

  test('departed member keeps history', async () => {
    await runSyncCycle(dependencies(), manual());

    const departed = await sql`
      select d.email, count(s.*)::int as days from developers d join daily_stats s on s.developer_id = d.id
      where not d.is_member group by d.email
    `;
    expect(departed.length).toBeGreaterThanOrEqual(1);
    expect(departed[0]?.days).toBeGreaterThan(0);
  });
});

describe('upstream errors', () => {
  test('wrong key fails without retry', async () => {
    const result = await runSyncCycle(dependencies('key_wrong'), manual());

    expect(result.status).toBe('failure');
    expect(expectStatus(result, 'failure').error).toContain('Authentication failed');
    expect(sleeps).toEqual([]);
    const [state] = await sql`select last_error from sync_state`;
    expect(state?.last_error).toContain('Authentication failed');
  });

  test('short Retry-After is waited and retried', async () => {
    simulator.setFaults({ tooManyRequests: { retryAfter: 'seconds', retryAfterSeconds: 2, count: 1 } });

    const result = await runSyncCycle(dependencies(), manual());

    expect(result.status).toBe('success');
    expect(sleeps).toEqual([2 * SECOND]);
  });

  test('outage fails after two retries', async () => {
    simulator.setFaults({ outageSeconds: 600 });

    const result = await runSyncCycle(dependencies(), manual());

    expect(result.status).toBe('failure');
    expect(sleeps).toEqual([1 * SECOND, 2 * SECOND]);
  });

  test('API key never reaches stored errors', async () => {
    await runSyncCycle(dependencies('key_wrong_secret_value'), manual());

    const [state] = await sql`select last_error from sync_state`;
    const [run] = await sql`select error from sync_runs`;
    expect(state?.last_error).not.toContain('key_wrong_secret_value');
    expect(run?.error).not.toContain('key_wrong_secret_value');
    expect(JSON.stringify(logs)).not.toContain('key_wrong_secret_value');
  });
});


