import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Sql } from '../../lib/db';
import { UpstreamError } from '../../lib/errors';
import { runSyncCycle, type CycleDependencies, type CycleOptions } from '../../lib/syncCycle';
import { addDays, HOUR, MINUTE, SECOND } from '../../lib/time';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { FakeUsageSource, upstreamRecord } from '../support/fakeUsageSource';
import { ManualClock } from '../support/manualClock';
import { expectStatus } from '../support/cycleResult';
import { connectMigrated, resetTables } from '../support/schema';
import { createCapturingLogger, type CapturedLog } from '../support/testLogger';

const NOW = '2026-03-10T12:30:00Z';
const TODAY = '2026-03-10';
const YESTERDAY = '2026-03-09';
const EMAILS = ['ada@example.com', 'linus@example.com', 'grace@example.com'];

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
let logs: CapturedLog[];
let deps: CycleDependencies;

beforeEach(async () => {
  await resetTables(sql);
  clock = new ManualClock(NOW);
  source = new FakeUsageSource(EMAILS);
  const captured = createCapturingLogger();
  logs = captured.lines;
  deps = {
    sql,
    source,
    clock,
    logger: captured.logger,
    config: { pollIntervalMs: MINUTE, syncLookbackDays: 3, syncStartDate: undefined, retentionDays: 90 },
    secrets: [],
  };
});

function options(overrides: Partial<CycleOptions> = {}): CycleOptions {
  return {
    trigger: 'schedule',
    stopRequestsAt: new Date(clock.now().getTime() + 10 * MINUTE),
    leaseExpiresAt: new Date(clock.now().getTime() + 15 * MINUTE),
    ...overrides,
  };
}

async function readState() {
  const [row] = await sql<
    { watermark: string | null; consecutive_failures: number; state: string; next_attempt_at: Date | null; last_error: string | null; lease_owner: string | null }[]
  >`select watermark, consecutive_failures, state, next_attempt_at, last_error, lease_owner from sync_state where source = 'cursor'`;
  return row!;
}

async function countRows(): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from daily_stats`;
  return row!.count;
}

describe('full sync', () => {
  test('stores every developer-day of 90 days', async () => {
    const result = await runSyncCycle(deps, options());

    expect(result.status).toBe('success');
    expect(await countRows()).toBe(90 * EMAILS.length);
  });

  test('requests 30-day ranges oldest first', async () => {
    await runSyncCycle(deps, options());

    expect(source.requests).toEqual([
      { start: '2025-12-11', end: '2026-01-09' },
      { start: '2026-01-10', end: '2026-02-08' },
      { start: '2026-02-09', end: TODAY },
    ]);
  });

  test('moves the watermark to yesterday', async () => {
    await runSyncCycle(deps, options());

    expect((await readState()).watermark).toBe(YESTERDAY);
  });

  test('records the run with its counts', async () => {
    const result = await runSyncCycle(deps, options());
    const runId = result.status === 'success' ? result.runId : '';

    const [run] = await sql`select * from sync_runs where run_id = ${runId}`;
    expect(run?.outcome).toBe('success');
    expect(run?.trigger).toBe('schedule');
    expect(run?.developers).toBe(3);
    expect(run?.rows_upserted).toBe(270);
    expect(run?.rows_changed).toBe(270);
    expect(run?.rows_rejected).toBe(0);
    expect(run?.window_start).toBe('2025-12-11');
    expect(run?.window_end).toBe(TODAY);
    expect(run?.finished_at).toBeInstanceOf(Date);
  });

  test('logs progress per request with the run id', async () => {
    const result = await runSyncCycle(deps, options());
    const runId = result.status === 'success' ? result.runId : '';

    const progress = logs.filter((line) => line.message.startsWith('Synced '));
    expect(progress.map((line) => line.message)).toEqual([
      'Synced 3/3 developers',
      'Synced 3/3 developers',
      'Synced 3/3 developers',
    ]);
    expect(progress.every((line) => line.correlation_id === runId)).toBe(true);
    expect(progress[0]?.synced).toBe(3);
    expect(progress[0]?.total).toBe(3);
  });

  test('stores every field of a record', async () => {
    await runSyncCycle(deps, options());

    const [row] = await sql`
      select s.*, d.email from daily_stats s join developers d on d.id = s.developer_id
      where d.email = 'ada@example.com' and s.date = ${YESTERDAY}
    `;
    expect(row?.total_lines_added).toBe(100);
    expect(row?.accepted_lines_deleted).toBe(20);
    expect(row?.total_tabs_shown).toBe(50);
    expect(row?.bugbot_usages).toBe(0);
    expect(row?.most_used_model).toBe('claude-4-sonnet');
    expect(row?.client_version).toBe('1.4.2');
    expect(row?.is_active).toBe(true);
    expect(Number(row?.acceptance_rate)).toBeCloseTo(0.4, 10);
  });
});

describe('repeated cycles', () => {
  test('second cycle with the same data changes no row', async () => {
    await runSyncCycle(deps, options());
    const before = await sql`select developer_id, date, synced_at from daily_stats order by 1, 2`;
    clock.advance(MINUTE);

    const result = await runSyncCycle(deps, options());

    expect(result.status).toBe('success');
    const after = await sql`select developer_id, date, synced_at from daily_stats order by 1, 2`;
    expect(after).toEqual(before);
    expect(expectStatus(result, 'success').rowsChanged).toBe(0);
    expect(expectStatus(result, 'success').rowsUpserted).toBe(4 * EMAILS.length);
  });

  test('second cycle fetches only the lookback window', async () => {
    await runSyncCycle(deps, options());
    source.requests.length = 0;
    clock.advance(MINUTE);

    await runSyncCycle(deps, options());

    expect(source.requests).toEqual([{ start: addDays(TODAY, -3), end: TODAY }]);
  });

  test('restated day updates only its rows', async () => {
    await runSyncCycle(deps, options());
    const base = source.recordsFor;
    source.recordsFor = (range) =>
      base(range).map((record) => {
        const value = record as Record<string, unknown>;
        return value.email === 'ada@example.com' && value.date === Date.parse(`${YESTERDAY}T00:00:00Z`)
          ? { ...value, totalLinesAdded: 999 }
          : value;
      });
    clock.advance(MINUTE);

    const result = await runSyncCycle(deps, options());

    expect(expectStatus(result, 'success').rowsChanged).toBe(1);
    const [row] = await sql`
      select s.total_lines_added from daily_stats s join developers d on d.id = s.developer_id
      where d.email = 'ada@example.com' and s.date = ${YESTERDAY}
    `;
    expect(row?.total_lines_added).toBe(999);
  });

  test('schedule trigger within the poll interval is not due', async () => {
    await runSyncCycle(deps, options());
    clock.advance(20 * SECOND);

    const result = await runSyncCycle(deps, options());

    expect(result.status).toBe('not_due');
  });

  test('manual trigger ignores the poll interval', async () => {
    await runSyncCycle(deps, options());
    clock.advance(20 * SECOND);

    const result = await runSyncCycle(deps, options({ trigger: 'manual' }));

    expect(result.status).toBe('success');
  });

  test('backfill after an outage starts after the old watermark', async () => {
    await runSyncCycle(deps, options());
    clock.advance(10 * 24 * HOUR);
    source.requests.length = 0;

    const result = await runSyncCycle(deps, options());

    expect(result.status).toBe('success');
    expect(source.requests[0]?.start).toBe(TODAY);
    expect((await readState()).watermark).toBe('2026-03-19');
    expect(await countRows()).toBe(100 * EMAILS.length);
  });
});

describe('records', () => {
  test('duplicate key keeps the last record', async () => {
    source.recordsFor = (range) =>
      range.end === TODAY
        ? [upstreamRecord('ada@example.com', YESTERDAY, 1), upstreamRecord('ada@example.com', YESTERDAY, 7)]
        : [];

    const result = await runSyncCycle(deps, options());

    expect(await countRows()).toBe(1);
    const [row] = await sql`select total_lines_added from daily_stats`;
    expect(row?.total_lines_added).toBe(700);
    const rejected = await sql`select reason, payload from rejected_records`;
    expect(rejected.map((r) => r.reason)).toEqual(['duplicate']);
    expect(rejected[0]?.payload.totalLinesAdded).toBe(100);
    expect(expectStatus(result, 'success').rowsRejected).toBe(1);
    expect(logs.some((line) => line.level === 'WARN' && line.message === 'Rejected upstream records')).toBe(true);
  });

  test('rejected payload is stored once and counted', async () => {
    const bad = { ...upstreamRecord('ada@example.com', YESTERDAY), totalLinesAdded: -3 };
    source.recordsFor = (range) => (range.end === TODAY ? [bad] : []);

    await runSyncCycle(deps, options());
    clock.advance(MINUTE);
    await runSyncCycle(deps, options());

    const rejected = await sql`select reason, times_rejected from rejected_records`;
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBe('count totalLinesAdded is negative');
    expect(rejected[0]?.times_rejected).toBe(2);
  });

  test('null fields are stored as NULL', async () => {
    const record: Record<string, unknown> = { ...upstreamRecord('ada@example.com', YESTERDAY), chatRequests: null, mostUsedModel: null };
    delete record.totalApplies;
    source.recordsFor = (range) => (range.end === TODAY ? [record] : []);

    await runSyncCycle(deps, options());

    const [row] = await sql`select chat_requests, most_used_model, total_applies, total_lines_added from daily_stats`;
    expect(row?.chat_requests).toBeNull();
    expect(row?.most_used_model).toBeNull();
    expect(row?.total_applies).toBeNull();
    expect(row?.total_lines_added).toBe(100);
  });

  test('special characters in texts round-trip', async () => {
    const texts = ['tab\there', 'line\nbreak\r\n', 'back\\slash \\N', 'quote \' " ; --', 'emoji 🧪 ß 漢字', 'nul\u0000byte'];
    source.recordsFor = (range) =>
      range.end === TODAY
        ? texts.map((text, index) => ({ ...upstreamRecord(`t${index}@example.com`, YESTERDAY), mostUsedModel: text }))
        : [];

    await runSyncCycle(deps, options());

    const rows = await sql<{ most_used_model: string }[]>`
      select s.most_used_model from daily_stats s join developers d on d.id = s.developer_id order by d.email
    `;
    expect(rows.map((row) => row.most_used_model)).toEqual([...texts.slice(0, 5), 'nulbyte']);
  });

  test('unknown email creates a non-member developer', async () => {
    source.recordsFor = (range) => (range.end === TODAY ? [upstreamRecord('Former@Example.com', YESTERDAY)] : []);

    await runSyncCycle(deps, options());

    const [developer] = await sql`select email, is_member from developers where email = 'former@example.com'`;
    expect(developer?.is_member).toBe(false);
  });

  test('departed member keeps history and loses membership', async () => {
    await runSyncCycle(deps, options());
    source.members = source.members.filter((member) => member.email !== 'grace@example.com');
    clock.advance(MINUTE);

    await runSyncCycle(deps, options());

    const [developer] = await sql`
      select d.is_member, count(s.*)::int as days from developers d join daily_stats s on s.developer_id = d.id
      where d.email = 'grace@example.com' group by d.is_member
    `;
    expect(developer?.is_member).toBe(false);
    expect(developer?.days).toBe(90);
  });
});

describe('failures', () => {
  test('failed request keeps the watermark at stored data', async () => {
    source.failOnRequest = { index: 1, error: new UpstreamError('server_error', 'The Cursor Admin API failed with 503', { status: 503 }) };

    const result = await runSyncCycle(deps, options());

    expect(result.status).toBe('failure');
    expect((await readState()).watermark).toBe('2026-01-09');
    expect(await countRows()).toBe(30 * EMAILS.length);
  });

  test('failure sets backoff state and run error', async () => {
    source.failMembers = new UpstreamError('server_error', 'The Cursor Admin API failed with 503', { status: 503 });

    const result = await runSyncCycle(deps, options());

    const state = await readState();
    expect(state.consecutive_failures).toBe(1);
    expect(state.state).toBe('backing_off');
    expect(state.next_attempt_at?.toISOString()).toBe('2026-03-10T12:30:05.000Z');
    expect(state.last_error).toContain('503');
    const runId = result.status === 'failure' ? result.runId : '';
    const [run] = await sql`select outcome, error from sync_runs where run_id = ${runId}`;
    expect(run?.outcome).toBe('failure');
    expect(run?.error).toContain('503');
    expect(logs.some((line) => line.level === 'ERROR' && line.message === 'Cycle failed')).toBe(true);
  });

  test('success after failures resets the count', async () => {
    source.failMembers = new UpstreamError('server_error', 'outage', { status: 503 });
    await runSyncCycle(deps, options());
    clock.advance(5 * SECOND);
    await runSyncCycle(deps, options());
    source.failMembers = undefined;
    clock.advance(10 * SECOND);

    const result = await runSyncCycle(deps, options());

    expect(result.status).toBe('success');
    const state = await readState();
    expect(state.consecutive_failures).toBe(0);
    expect(state.state).toBe('healthy');
    expect(state.last_error).toBeNull();
  });

  test('Retry-After longer than the schedule wins', async () => {
    source.failMembers = new UpstreamError('rate_limited', 'rate limited', { status: 429, retryAfterMs: 90 * SECOND });

    await runSyncCycle(deps, options());

    expect((await readState()).next_attempt_at?.toISOString()).toBe('2026-03-10T12:31:30.000Z');
  });

  test('ten failures in a row degrade the state', async () => {
    source.failMembers = new UpstreamError('server_error', 'outage', { status: 503 });
    for (let attempt = 0; attempt < 10; attempt++) {
      await runSyncCycle(deps, options({ trigger: 'manual' }));
      clock.advance(MINUTE);
    }

    const state = await readState();
    expect(state.consecutive_failures).toBe(10);
    expect(state.state).toBe('degraded');
  });
});

describe('lease and deadline', () => {
  test('held lease skips the cycle', async () => {
    await sql`update sync_state set lease_owner = 'other-run', lease_expires_at = ${new Date(clock.now().getTime() + MINUTE)}`;

    const result = await runSyncCycle(deps, options());

    expect(result.status).toBe('lease_held');
    expect(source.requests).toHaveLength(0);
    expect(logs.some((line) => line.message === 'Skipped: another run holds the lease')).toBe(true);
  });

  test('expired lease is taken over and its run closed', async () => {
    await sql`insert into sync_runs (run_id, trigger, outcome) values ('dead-run', 'schedule', 'running')`;
    await sql`update sync_state set lease_owner = 'dead-run', lease_expires_at = ${new Date(clock.now().getTime() - SECOND)}, last_run_id = 'dead-run'`;

    const result = await runSyncCycle(deps, options());

    expect(result.status).toBe('success');
    const [dead] = await sql`select outcome, finished_at from sync_runs where run_id = 'dead-run'`;
    expect(dead?.outcome).toBe('failure');
    expect(dead?.finished_at).not.toBeNull();
  });

  test('cycle releases the lease', async () => {
    await runSyncCycle(deps, options());

    expect((await readState()).lease_owner).toBeNull();
  });

  test('deadline stops new requests and records incomplete', async () => {
    const stopRequestsAt = new Date(clock.now().getTime() + SECOND);
    const base = source.recordsFor;
    source.recordsFor = (range) => {
      clock.advance(2 * SECOND);
      return base(range);
    };

    const result = await runSyncCycle(deps, options({ stopRequestsAt }));

    expect(result.status).toBe('incomplete');
    expect(source.requests).toHaveLength(1);
    expect((await readState()).watermark).toBe('2026-01-09');
  });

  test('incomplete cycle resumes from the watermark at once', async () => {
    const base = source.recordsFor;
    source.recordsFor = (range) => {
      clock.advance(2 * SECOND);
      return base(range);
    };
    await runSyncCycle(deps, options({ stopRequestsAt: new Date(clock.now().getTime() + SECOND) }));
    source.requests.length = 0;

    const result = await runSyncCycle(deps, options());

    expect(result.status).toBe('success');
    expect(source.requests[0]?.start).toBe('2026-01-10');
    expect((await readState()).watermark).toBe(YESTERDAY);
  });
});

describe('failed cycle window', () => {
  test('failed cycle still records its window', async () => {
    source.failMembers = new UpstreamError('server_error', 'outage', { status: 503 });

    const result = await runSyncCycle(deps, options());

    const runId = result.status === 'failure' ? result.runId : '';
    const [run] = await sql`select window_start, window_end from sync_runs where run_id = ${runId}`;
    expect(run?.window_start).toBe('2025-12-11');
    expect(run?.window_end).toBe(TODAY);
  });
});
