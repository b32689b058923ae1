import type { TransactionSql } from '../db';
import { COUNT_FIELDS, COUNT_COLUMNS, TEXT_FIELDS, TEXT_COLUMNS, type UsageRecord } from '../usageRecord';
import type { IsoDate } from '../time';
import { CURSOR_SOURCE } from './syncStateRow';

const VALUE_COLUMNS = ['is_active', ...COUNT_FIELDS.map((f) => COUNT_COLUMNS[f]), ...TEXT_FIELDS.map((f) => TEXT_COLUMNS[f])];
const COLUMN_TYPES = ['boolean', ...COUNT_FIELDS.map(() => 'integer'), ...TEXT_FIELDS.map(() => 'text')];

// Column lists are built from the fixed names above, never from input, so
// they are safe to splice into the statement text; every value is a parameter.
const INPUT_COLUMNS = ['email', 'date', ...VALUE_COLUMNS].join(', ');
const UNNEST_ARGUMENTS = ['text', 'date', ...COLUMN_TYPES].map((type, index) => `$${index + 1}::${type}[]`).join(', ');
const TARGET_COLUMNS = ['developer_id', 'date', ...VALUE_COLUMNS].join(', ');
const STORED_VALUES = VALUE_COLUMNS.map((column) => `stored.${column}`).join(', ');
const INPUT_VALUES = VALUE_COLUMNS.map((column) => `input.${column}`).join(', ');
const UPDATE_ASSIGNMENTS = VALUE_COLUMNS.map((column) => `${column} = excluded.${column}`).join(', ');

/**
 * Inserts the records' rows and updates the changed ones, in one set-based
 * statement. Unchanged rows are filtered out before the INSERT: an
 * `ON CONFLICT DO UPDATE ... WHERE` that skips a row still locks it and
 * writes WAL. Returns how many rows were inserted or changed.
 */
const UPSERT_DAILY_STATS = `
  with input as (
    select * from unnest(${UNNEST_ARGUMENTS}) as input(${INPUT_COLUMNS})
  ),
  resolved as (
    select developers.id as developer_id, input.*
    from input join developers on developers.email = input.email
  ),
  changed as (
    select input.*
    from resolved as input
    left join daily_stats as stored
      on stored.developer_id = input.developer_id and stored.date = input.date
    where stored.developer_id is null
       or (${STORED_VALUES}) is distinct from (${INPUT_VALUES})
  )
  insert into daily_stats (${TARGET_COLUMNS}, synced_at)
  select ${TARGET_COLUMNS}, now() from changed
  on conflict (developer_id, date) do update
  set ${UPDATE_ASSIGNMENTS}, synced_at = excluded.synced_at
`;

/** Creates a developer row, not a member, for each email seen in usage but not yet known. */
export async function insertUnknownDevelopers(sql: TransactionSql, emails: readonly string[], now: Date): Promise<number> {
  const result = await sql`
    insert into developers (email, is_member, first_seen_at, updated_at)
    select email, false, ${now}, ${now} from unnest(${emails as string[]}::text[]) as seen(email)
    on conflict (email) do nothing
  `;
  return result.count;
}

/**
 * Upserts the rows of `records`, which must hold one record per (email, date)
 * and only emails that have a developer row. Returns the rows changed.
 */
export async function upsertDailyStats(sql: TransactionSql, records: readonly UsageRecord[]): Promise<number> {
  if (records.length === 0) {
    return 0;
  }
  const columns: unknown[][] = [[], [], ...VALUE_COLUMNS.map(() => [])];
  for (const record of records) {
    let index = 0;
    columns[index++]!.push(record.email);
    columns[index++]!.push(record.date);
    columns[index++]!.push(record.isActive);
    for (const field of COUNT_FIELDS) {
      columns[index++]!.push(record[field]);
    }
    for (const field of TEXT_FIELDS) {
      columns[index++]!.push(record[field]);
    }
  }
  const result = await sql.unsafe(UPSERT_DAILY_STATS, columns as never[]);
  return result.count;
}

export interface RejectedRow {
  payload: unknown;
  reason: string;
}

/**
 * Stores rejected records. A payload rejected again for the same reason is
 * counted on its existing row instead of being stored twice.
 */
export async function storeRejectedRecords(sql: TransactionSql, runId: string, rejected: readonly RejectedRow[]): Promise<void> {
  if (rejected.length === 0) {
    return;
  }
  const payloads = rejected.map((row) => JSON.stringify(row.payload ?? null));
  const reasons = rejected.map((row) => row.reason);
  await sql`
    insert into rejected_records (run_id, payload, reason)
    select ${runId}, payload::jsonb, reason
    from unnest(${payloads}::text[], ${reasons}::text[]) as rejected(payload, reason)
    on conflict (payload_hash, reason) do update
    set times_rejected = rejected_records.times_rejected + 1,
        last_rejected_at = now(),
        run_id = excluded.run_id
  `;
}

/**
 * Moves the watermark forward to `lastStoredDay`, never backward and never
 * past `yesterday`: today's numbers are still growing upstream.
 */
export async function advanceWatermark(sql: TransactionSql, lastStoredDay: IsoDate, yesterday: IsoDate): Promise<IsoDate | null> {
  const rows = await sql<{ watermark: IsoDate | null }[]>`
    update sync_state
    set watermark = greatest(watermark, least(${lastStoredDay}::date, ${yesterday}::date))
    where source = ${CURSOR_SOURCE}
    returning watermark
  `;
  return rows[0]?.watermark ?? null;
}
