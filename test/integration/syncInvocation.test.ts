import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { Sql } from '../../lib/db';
import { UpstreamError } from '../../lib/errors';
import type { CycleDependencies } from '../../lib/syncCycle';
import { runSyncInvocation } from '../../lib/syncInvocation';
import { MINUTE, SECOND } from '../../lib/time';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { FakeUsageSource } from '../support/fakeUsageSource';
import { ManualClock } from '../support/manualClock';
import { connectMigrated, resetTables } from '../support/schema';
import { createCapturingLogger } from '../support/testLogger';

const START = '2026-03-10T12:00:00Z';

let database: TestDatabase;
let sql: Sql;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = await connectMigrated(database.url);
});

afterAll(async () => {
  await sql?.end();
  await database?.drop();
});

let clock: ManualClock;
let source: FakeUsageSource;

beforeEach(async () => {
  await resetTables(sql);
  clock = new ManualClock(START);
  source = new FakeUsageSource(['ada@example.com']);
});

function dependencies(pollIntervalMs = MINUTE): CycleDependencies {
  return {
    sql,
    source,
    clock,
    logger: createCapturingLogger().logger,
    config: { pollIntervalMs, syncLookbackDays: 3, syncStartDate: undefined, retentionDays: 90 },
    secrets: [],
  };
}

/** Fires one scheduled invocation per minute, as EventBridge does, for `minutes` minutes. */
async function runTicks(minutes: number, pollIntervalMs = MINUTE): Promise<void> {
  const startMs = Date.parse(START);
  for (let tick = 0; tick < minutes; tick++) {
    const tickMs = startMs + tick * MINUTE;
    if (clock.now().getTime() < tickMs) {
      clock.set(new Date(tickMs));
    }
    await runSyncInvocation(dependencies(pollIntervalMs), {
      trigger: 'schedule',
      deadline: new Date(tickMs + 15 * MINUTE),
      requestBudgetMs: 30 * SECOND,
    });
  }
}

async function attemptOffsetsSeconds(): Promise<number[]> {
  const runs = await sql<{ started_at: Date }[]>`select started_at from sync_runs order by started_at`;
  return runs.map((run) => (run.started_at.getTime() - Date.parse(START)) / SECOND);
}

function gaps(offsets: number[]): number[] {
  return offsets.slice(1).map((offset, index) => offset - offsets[index]!);
}

test('outage attempts follow the backoff schedule', async () => {
  source.failMembers = new UpstreamError('server_error', 'outage', { status: 503 });

  await runTicks(20);

  expect(gaps(await attemptOffsetsSeconds()).slice(0, 8)).toEqual([5, 10, 20, 40, 80, 160, 300, 300]);
});

test('recovery after the outage fills the gap', async () => {
  source.failMembers = new UpstreamError('server_error', 'outage', { status: 503 });
  await runTicks(3);
  source.failMembers = undefined;

  await runTicks(6);

  const [state] = await sql`select consecutive_failures, state, watermark from sync_state`;
  expect(state?.consecutive_failures).toBe(0);
  expect(state?.state).toBe('healthy');
  expect(state?.watermark).toBe('2026-03-09');
});

test('one-minute interval runs one cycle per tick', async () => {
  await runTicks(4);

  expect(await attemptOffsetsSeconds()).toEqual([0, 60, 120, 180]);
});

test('sub-minute interval runs several cycles per tick', async () => {
  await runTicks(2, 20 * SECOND);

  expect(await attemptOffsetsSeconds()).toEqual([0, 20, 40, 60, 80, 100]);
});

test('longer interval skips ticks that are not due', async () => {
  await runTicks(7, 90 * SECOND);

  expect(await attemptOffsetsSeconds()).toEqual([0, 120, 240, 360]);
});

test('manual trigger runs once despite backoff', async () => {
  source.failMembers = new UpstreamError('server_error', 'outage', { status: 503 });
  await runTicks(1);
  const before = (await attemptOffsetsSeconds()).length;

  const result = await runSyncInvocation(dependencies(), {
    trigger: 'manual',
    deadline: new Date(clock.now().getTime() + 15 * MINUTE),
    requestBudgetMs: 30 * SECOND,
  });

  expect(result.cycles).toHaveLength(1);
  expect((await attemptOffsetsSeconds()).length).toBe(before + 1);
});
