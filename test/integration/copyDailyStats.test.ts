import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { Sql } from '../../lib/db';
import { CopyTextWriter, formatLine } from '../../lib/copyTextWriter';
import { copyDailyStats, readStoredLines } from '../../lib/sql/copyDailyStats';
import { readDeveloperIds, insertUnknownDevelopers } from '../../lib/sql/writeUsage';
import { validateRecord, type UsageRecord } from '../../lib/usageRecord';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { upstreamRecord } from '../support/fakeUsageSource';
import { connectMigrated, resetTables } from '../support/schema';

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

beforeEach(async () => {
  await resetTables(sql);
});

function record(overrides: Record<string, unknown>, email = 'ada@example.com', date = '2026-03-09'): UsageRecord {
  const result = validateRecord({ ...upstreamRecord(email, date), ...overrides });
  if (!result.ok) {
    throw new Error(result.reason);
  }
  return result.record;
}

/** Records whose values exercise every formatting rule of COPY's text format. */
const TRICKY_RECORDS = [
  record({}),
  record({ isActive: false, totalLinesAdded: 0, mostUsedModel: 'tab\there' }, 'b@example.com'),
  record({ isActive: null, totalLinesDeleted: null, clientVersion: null }, 'c@example.com'),
  record({ totalTabsShown: 2 ** 31 - 1, mostUsedModel: 'back\\slash \\N', applyMostUsedExtension: 'new\nline\r' }, 'd@example.com'),
  record({ tabMostUsedExtension: '', mostUsedModel: 'emoji 🧪 ß 漢字 "quoted" \'single\'' }, 'e@example.com'),
  record({ mostUsedModel: 'ascii, then ü\tand a tab', clientVersion: 'lone \ud800 surrogate' }, 'f@example.com'),
];

async function write(records: readonly UsageRecord[]): Promise<number> {
  return sql.begin(async (transaction) => {
    const emails = [...new Set(records.map((row) => row.email))];
    await insertUnknownDevelopers(transaction, emails, new Date());
    const ids = await readDeveloperIds(transaction, emails);
    const writer = new CopyTextWriter();
    for (const row of records) {
      writer.writeRow(row, ids.get(row.email)!);
    }
    return copyDailyStats(transaction, {
      rowCount: writer.rows,
      chunks: writer.finish(),
      developerIds: [...ids.values()],
      firstDay: '2026-03-09',
      lastDay: '2026-03-09',
    });
  });
}

test('stored lines equal formatted lines', async () => {
  await write(TRICKY_RECORDS);

  const ids = await sql.begin((transaction) => readDeveloperIds(transaction, TRICKY_RECORDS.map((row) => row.email)));
  const stored = await readStoredLines(sql, '2026-03-09', '2026-03-09', [...ids.values()]);
  const formatted = TRICKY_RECORDS.map((row) => formatLine(row, ids.get(row.email)!));
  expect(stored.sort()).toEqual(formatted.sort());
});

test('new rows are inserted and counted', async () => {
  const changed = await write(TRICKY_RECORDS);

  expect(changed).toBe(TRICKY_RECORDS.length);
  const [count] = await sql<{ count: number }[]>`select count(*)::int as count from daily_stats`;
  expect(count?.count).toBe(TRICKY_RECORDS.length);
});

test('unchanged rows are not written', async () => {
  await write(TRICKY_RECORDS);
  const [before] = await sql<{ xmin: string }[]>`select string_agg(xmin::text, ',' order by developer_id) as xmin from daily_stats`;

  const changed = await write(TRICKY_RECORDS);

  expect(changed).toBe(0);
  const [after] = await sql<{ xmin: string }[]>`select string_agg(xmin::text, ',' order by developer_id) as xmin from daily_stats`;
  expect(after?.xmin).toBe(before?.xmin);
});

test('changed and new rows in one batch', async () => {
  await write(TRICKY_RECORDS.slice(0, 3));
  const next = [
    TRICKY_RECORDS[0]!,
    { ...TRICKY_RECORDS[1]!, totalLinesAdded: 5 },
    TRICKY_RECORDS[2]!,
    TRICKY_RECORDS[3]!,
  ];

  const changed = await write(next);

  expect(changed).toBe(2);
  const [row] = await sql`
    select s.total_lines_added from daily_stats s join developers d on d.id = s.developer_id where d.email = 'b@example.com'
  `;
  expect(row?.total_lines_added).toBe(5);
});
