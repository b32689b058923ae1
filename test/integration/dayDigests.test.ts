import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { connect, type Sql } from '../../lib/db';
import { keepDigestsForThisTransaction } from '../../lib/sql/dayDigests';
import type { IsoDate } from '../../lib/time';
import { validateRecord, type UsageRecord } from '../../lib/usageRecord';
import { storeUsage, type UsageToStore } from '../../lib/writeRequest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { upstreamRecord } from '../support/fakeUsageSource';
import { ManualClock } from '../support/manualClock';
import { connectMigrated, resetTables } from '../support/schema';
import { createCapturingLogger } from '../support/testLogger';

const DAYS: IsoDate[] = ['2026-03-07', '2026-03-08', '2026-03-09'];
const EMAILS = ['ada@example.com', 'linus@example.com', 'grace@example.com'];

let database: TestDatabase;
let sql: Sql;
/** A second connection, for writers other than the sync. */
let other: Sql;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = await connectMigrated(database.url);
  other = connect(database.url, { maxConnections: 1 });
});

afterAll(async () => {
  await other?.end();
  await sql?.end();
  await database?.drop();
});

beforeEach(async () => {
  await resetTables(sql);
});

function record(email: string, date: IsoDate, seed = 1): UsageRecord {
  const result = validateRecord(upstreamRecord(email, date, seed));
  if (!result.ok) {
    throw new Error(result.reason);
  }
  return result.record;
}

/** Builds a record for every developer on every day, with `seed` 1 unless `seeds` has another for "email date". */
function records(seeds: Record<string, number> = {}): UsageRecord[] {
  return DAYS.flatMap((day) => EMAILS.map((email) => record(email, day, seeds[`${email} ${day}`] ?? 1)));
}

async function store(rows: readonly UsageRecord[], overrides: Partial<UsageToStore> = {}): Promise<number> {
  const stored = await storeUsage(
    { sql, logger: createCapturingLogger().logger, clock: new ManualClock('2026-03-10T12:00:00Z') },
    {
      runId: '00000000-0000-4000-8000-000000000001',
      request: { start: DAYS[0]!, end: DAYS.at(-1)! },
      records: rows,
      rejected: [],
      yesterday: '2026-03-09',
      ...overrides,
    },
  );
  return stored.rowsChanged;
}

async function digests(): Promise<{ date: string; row_count: number; digest: string; xmin: string }[]> {
  return sql`select date, row_count, digest, xmin::text as xmin from daily_stats_digests order by date`;
}

async function rowVersions(): Promise<string> {
  const [row] = await sql<{ versions: string }[]>`
    select string_agg(xmin::text, ',' order by developer_id, date) as versions from daily_stats
  `;
  return row!.versions;
}

async function totalLinesAdded(email: string, day: IsoDate): Promise<number | null> {
  const [row] = await sql<{ total_lines_added: number | null }[]>`
    select s.total_lines_added from daily_stats s join developers d on d.id = s.developer_id
    where d.email = ${email} and s.date = ${day}
  `;
  return row?.total_lines_added ?? null;
}

test('first store records digest per day', async () => {
  await store(records());

  const stored = await digests();
  expect(stored.map((row) => row.date)).toEqual(DAYS);
  expect(stored.map((row) => row.row_count)).toEqual([3, 3, 3]);
  expect(stored.every((row) => /^[0-9a-f]{64}$/.test(row.digest))).toBe(true);
});

test('matching days are not written', async () => {
  await store(records());
  const versions = await rowVersions();
  const before = await digests();

  const changed = await store(records());

  expect(changed).toBe(0);
  expect(await rowVersions()).toBe(versions);
  expect(await digests()).toEqual(before);
});

test('changed row rewrites its day only', async () => {
  await store(records());
  const before = await digests();

  const changed = await store(records({ 'linus@example.com 2026-03-08': 7 }));

  expect(changed).toBe(1);
  expect(await totalLinesAdded('linus@example.com', '2026-03-08')).toBe(700);
  const after = await digests();
  expect(after[1]!.digest).not.toBe(before[1]!.digest);
  expect([after[0], after[2]]).toEqual([before[0], before[2]]);
});

test('outside update clears digests, repaired', async () => {
  await store(records());

  await other`
    update daily_stats set total_lines_added = 1
    where date = '2026-03-09' and developer_id = (select id from developers where email = 'ada@example.com')
  `;
  expect(await digests()).toEqual([]);

  const changed = await store(records());

  expect(changed).toBe(1);
  expect(await totalLinesAdded('ada@example.com', '2026-03-09')).toBe(100);
  expect((await digests()).map((row) => row.date)).toEqual(DAYS);
});

test('outside delete clears digests, refilled', async () => {
  await store(records());

  await other`delete from daily_stats where date = '2026-03-08'`;
  expect(await digests()).toEqual([]);

  expect(await store(records())).toBe(3);
});

test('writer without digest privileges clears digests', async () => {
  await store(records());
  const role = `digest_test_${process.pid}`;
  await sql.unsafe(`create role ${role}`);
  try {
    await sql.unsafe(`grant select, update on daily_stats to ${role}`);

    await other.begin(async (transaction) => {
      await transaction.unsafe(`set local role ${role}`);
      await transaction`update daily_stats set total_lines_added = 4 where date = '2026-03-09'`;
    });

    expect(await digests()).toEqual([]);
  } finally {
    await sql.unsafe(`revoke all on daily_stats from ${role}`);
    await sql.unsafe(`drop role ${role}`);
  }
});

test('truncate clears digests', async () => {
  await store(records());

  await other`truncate daily_stats`;

  expect(await digests()).toEqual([]);
});

test('concurrent outside writer waits, clears digests', async () => {
  await store(records());
  let otherFinished = false;

  let otherWrite: Promise<unknown> | undefined;
  await sql.begin(async (transaction) => {
    await keepDigestsForThisTransaction(transaction);
    otherWrite = other`update daily_stats set total_lines_added = 2 where date = '2026-03-07'`.then(() => {
      otherFinished = true;
    });
    // The other writer's trigger waits for the lock that this transaction holds.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(otherFinished).toBe(false);
    await transaction`update daily_stats_digests set updated_at = now()`;
  });
  await otherWrite;

  expect(otherFinished).toBe(true);
  expect(await digests()).toEqual([]);
});

test('compareEveryRow ignores matching digests', async () => {
  await store(records());
  // A write that bypasses the trigger, as a restore with triggers disabled would.
  await other.begin(async (transaction) => {
    await transaction`select set_config('cursor_usage_aggregator.sync_writer', 'on', true)`;
    await transaction`update daily_stats set total_lines_added = 3 where date = '2026-03-07'`;
  });

  expect(await store(records())).toBe(0);
  expect(await store(records(), { compareEveryRow: true })).toBe(3);
  expect(await totalLinesAdded('grace@example.com', '2026-03-07')).toBe(100);
});

test('reordered rows compared, not written', async () => {
  await store(records());
  const versions = await rowVersions();
  const before = await digests();

  const changed = await store(records().reverse());

  expect(changed).toBe(0);
  expect(await rowVersions()).toBe(versions);
  expect((await digests()).map((row) => row.digest)).not.toEqual(before.map((row) => row.digest));
});
