import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CursorClient } from '../../lib/cursorClient';
import type { Sql } from '../../lib/db';
import { runSyncCycle, type CycleDependencies, type CycleResult } from '../../lib/syncCycle';
import { addDays, MINUTE, SECOND, startOfDayMs, type Clock } from '../../lib/time';
import { COUNT_COLUMNS, COUNT_FIELDS, TEXT_COLUMNS, TEXT_FIELDS } from '../../lib/usageRecord';
import type { FaultsInput } from '../../simulator/faults';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { expectStatus } from '../support/cycleResult';
import { connectMigrated, resetTables } from '../support/schema';
import { createCapturingLogger, type CapturedLog } from '../support/testLogger';

// The simulator and the sync share a fixed clock, so both see the same days.
const NOW_MS = Date.parse('2026-03-10T15:20:00Z');
const TODAY = '2026-03-10';
const START_DATE = addDays(TODAY, -6);

let database: TestDatabase;
let sql: Sql;
let simulator: RunningSimulator;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = await connectMigrated(database.url);
  simulator = await startSimulator({
    port: 0,
    developers: 12,
    historyDays: 30,
    rateLimitPerMin: 0,
    now: () => new Date(NOW_MS),
    onError: () => {},
  });
});

afterAll(async () => {
  await simulator?.close();
  await sql?.end();
  await database?.drop();
});

let logs: CapturedLog[];

beforeEach(async () => {
  await resetTables(sql);
  simulator.setFaults({});
});

const clock: Clock = { now: () => new Date(NOW_MS), sleep: async () => {} };

async function syncWith(faults: FaultsInput): Promise<CycleResult> {
  simulator.setFaults(faults);
  const captured = createCapturingLogger();
  logs = captured.lines;
  const deps: CycleDependencies = {
    sql,
    source: new CursorClient({
      baseUrl: simulator.url,
      apiKey: undefined,
      requestTimeoutMs: 5 * SECOND,
      maxResponseBytes: 16 * 1024 * 1024,
      clock,
      logger: captured.logger,
    }),
    clock,
    logger: captured.logger,
    config: { pollIntervalMs: MINUTE, syncLookbackDays: 3, syncStartDate: START_DATE, retentionDays: 90 },
    secrets: [],
  };
  return runSyncCycle(deps, {
    trigger: 'manual',
    stopRequestsAt: new Date(NOW_MS + 10 * MINUTE),
    leaseExpiresAt: new Date(NOW_MS + 15 * MINUTE),
  });
}

/** Fetches the same window the sync fetched, as raw records. */
async function fetchRawRecords(): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${simulator.url}/teams/daily-usage-data`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ startDate: startOfDayMs(START_DATE), endDate: startOfDayMs(TODAY) }),
  });
  const body = (await response.json()) as { data: Record<string, unknown>[] };
  return body.data;
}

async function storedRow(email: string, date: string) {
  const rows = await sql`
    select s.* from daily_stats s join developers d on d.id = s.developer_id
    where d.email = ${email.toLowerCase()} and s.date = ${date}
  `;
  return rows[0];
}

const REJECTED_KINDS = [
  ['negativeCount', 'count totalLinesAdded is negative'],
  ['fractionalCount', 'count totalApplies is not an integer'],
  ['countAsString', 'count totalTabsShown sent as a string'],
  ['countAboveInt32', 'count totalLinesDeleted is above 2147483647'],
  ['missingEmail', 'missing email'],
  ['invalidEmail', 'invalid email'],
  ['missingDate', 'missing date'],
  ['invalidDate', 'invalid date'],
] as const;

describe('malformed records', () => {
  test.each(REJECTED_KINDS)('%s is rejected with its reason', async (kind, reason) => {
    const result = await syncWith({ malformedRecords: [kind] });

    expect(result.status).toBe('success');
    const rejected = await sql`select reason, payload from rejected_records`;
    expect(rejected.map((row) => row.reason)).toEqual([reason]);
    expect(expectStatus(result, 'success').rowsRejected).toBe(1);
  });

  test('rejected payload is kept as received', async () => {
    await syncWith({ malformedRecords: ['countAsString'] });

    const [rejected] = await sql`select payload from rejected_records`;
    const raw = await fetchRawRecords();
    expect(rejected?.payload).toEqual(raw[0]);
    expect(typeof rejected?.payload.totalTabsShown).toBe('string');
  });

  test('good records beside bad ones are stored', async () => {
    const result = await syncWith({ malformedRecords: REJECTED_KINDS.map(([kind]) => kind) });

    const raw = await fetchRawRecords();
    const [stored] = await sql`select count(*)::int as count from daily_stats`;
    expect(stored?.count).toBe(raw.length - REJECTED_KINDS.length);
    expect(expectStatus(result, 'success').rowsUpserted).toBe(raw.length - REJECTED_KINDS.length);
  });

  test('re-fetched rejection is counted, not stored twice', async () => {
    await syncWith({ malformedRecords: ['negativeCount', 'invalidEmail'] });
    // The same window again, so the response starts with the same broken records.
    await sql`update sync_state set watermark = null`;
    await syncWith({ malformedRecords: ['negativeCount', 'invalidEmail'] });

    const rows = await sql`select reason, times_rejected from rejected_records order by reason`;
    expect(rows).toHaveLength(2);
    expect(rows.map((row) => row.times_rejected)).toEqual([2, 2]);
  });

  test('null and missing fields are stored as NULL', async () => {
    await syncWith({ malformedRecords: ['nullFields', 'missingFields'] });

    const [nulls, missing] = await fetchRawRecords();
    const nullRow = await storedRow(nulls!.email as string, utcDateOf(nulls!.date));
    expect(nullRow?.most_used_model).toBeNull();
    expect(nullRow?.total_rejects).toBeNull();
    expect(nullRow?.bugbot_usages).toBeNull();
    const missingRow = await storedRow(missing!.email as string, utcDateOf(missing!.date));
    expect(missingRow?.client_version).toBeNull();
    expect(missingRow?.cmdk_usages).toBeNull();
    expect(missingRow?.total_lines_added).toBe(missing!.totalLinesAdded);
  });

  test('unknown fields are ignored', async () => {
    const result = await syncWith({ malformedRecords: ['unknownField'] });

    expect(expectStatus(result, 'success').rowsRejected).toBe(0);
    const [record] = await fetchRawRecords();
    const row = await storedRow(record!.email as string, utcDateOf(record!.date));
    expect(row?.total_lines_added).toBe(record!.totalLinesAdded);
  });

  test('stored rows equal the last valid record per key', async () => {
    await syncWith({ malformedRecords: ['negativeCount', 'nullFields'], duplicateRecords: 3, emailCaseVariants: true });

    const expected = new Map<string, Record<string, unknown>>();
    for (const record of await fetchRawRecords()) {
      if (typeof record.email !== 'string' || record.totalLinesAdded === undefined || (record.totalLinesAdded as number) < 0) {
        continue;
      }
      expected.set(`${record.email.toLowerCase()}|${utcDateOf(record.date)}`, record);
    }
    const rows = await sql`
      select d.email, s.* from daily_stats s join developers d on d.id = s.developer_id
    `;
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const record = expected.get(`${row.email}|${row.date}`);
      expect(record, `${row.email} ${row.date}`).toBeDefined();
      for (const field of COUNT_FIELDS) {
        expect(row[COUNT_COLUMNS[field]], `${row.email} ${row.date} ${field}`).toBe(record![field] ?? null);
      }
      for (const field of TEXT_FIELDS) {
        expect(row[TEXT_COLUMNS[field]], `${row.email} ${row.date} ${field}`).toBe(record![field] ?? null);
      }
    }
  });
});

function utcDateOf(date: unknown): string {
  return new Date(date as number).toISOString().slice(0, 10);
}

describe('malformed bodies', () => {
  test.each(['notJson', 'missingData', 'truncatedJson'] as const)('%s fails and keeps the watermark', async (kind) => {
    await syncWith({});
    const [before] = await sql`select watermark from sync_state`;
    await sql`update sync_state set watermark = ${addDays(TODAY, -4)}`;

    const result = await syncWith({ malformedBody: { kind } });

    expect(result.status).toBe('failure');
    const [after] = await sql`select watermark, last_error from sync_state`;
    expect(after?.watermark).toBe(addDays(TODAY, -4));
    expect(after?.last_error).toContain('upstream malformed response');
    expect(before?.watermark).toBe(addDays(TODAY, -1));
  });
});

describe('duplicates', () => {
  test('duplicate key stores one row, the last', async () => {
    const result = await syncWith({ duplicateRecords: 2 });

    const raw = await fetchRawRecords();
    const last = raw[raw.length - 1]!;
    const row = await storedRow(last.email as string, utcDateOf(last.date));
    expect(row?.total_lines_added).toBe(last.totalLinesAdded);
    const [count] = await sql`select count(*)::int as count from daily_stats`;
    expect(count?.count).toBe(raw.length - 2);
    const rejected = await sql`select reason, payload from rejected_records`;
    expect(rejected.map((r) => r.reason)).toEqual(['duplicate', 'duplicate']);
    expect(expectStatus(result, 'success').rowsRejected).toBe(2);
  });

  test('replaced record is the first one', async () => {
    await syncWith({ duplicateRecords: 1 });

    const raw = await fetchRawRecords();
    const [rejected] = await sql`select payload from rejected_records`;
    expect(rejected?.payload).toEqual(raw[0]);
  });

  test('duplicate logs a warning', async () => {
    await syncWith({ duplicateRecords: 1 });

    const warning = logs.find((line) => line.message === 'Rejected upstream records');
    expect(warning?.level).toBe('WARN');
    expect(warning?.reasons).toEqual({ duplicate: 1 });
  });
});

describe('identity', () => {
  test('non-member usage creates a non-member developer', async () => {
    await syncWith({ nonMemberUsage: true });

    const members = (await (await fetch(`${simulator.url}/teams/members`)).json()) as { teamMembers: { email: string }[] };
    const memberEmails = new Set(members.teamMembers.map((member) => member.email));
    const outsiders = await sql`select email, is_member from developers where not is_member`;
    const strangers = outsiders.filter((row) => !memberEmails.has(row.email));
    expect(strangers.length).toBeGreaterThanOrEqual(1);
    const [stats] = await sql`
      select count(*)::int as count from daily_stats s join developers d on d.id = s.developer_id
      where d.email = ${strangers[0]!.email}
    `;
    expect(stats?.count).toBeGreaterThan(0);
  });

  test('e-mail case variants map to one developer', async () => {
    await syncWith({});
    const [before] = await sql`select count(*)::int as count from developers`;

    await syncWith({ emailCaseVariants: true });

    const [after] = await sql`select count(*)::int as count from developers`;
    expect(after?.count).toBe(before?.count);
    const upper = await sql`select email from developers where email <> lower(email)`;
    expect(upper).toHaveLength(0);
  });

  test('Unicode names are stored exactly', async () => {
    await syncWith({ unicodeNames: true });

    const members = (await (await fetch(`${simulator.url}/teams/members`)).json()) as {
      teamMembers: { email: string; name: string }[];
    };
    for (const member of members.teamMembers) {
      const [row] = await sql`select name from developers where email = ${member.email.toLowerCase()}`;
      expect(row?.name, member.email).toBe(member.name);
    }
  });
});
