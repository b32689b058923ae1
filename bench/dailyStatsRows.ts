import type { Sql } from '../lib/db';
import { COUNT_COLUMNS, COUNT_FIELDS, TEXT_COLUMNS, TEXT_FIELDS, type UsageRecord } from '../lib/usageRecord';

/** The `daily_stats` columns that the bench writes, in order; `synced_at` keeps its default. */
export const DAILY_STATS_COLUMNS = [
  'developer_id',
  'date',
  'is_active',
  ...COUNT_FIELDS.map((field) => COUNT_COLUMNS[field]),
  ...TEXT_FIELDS.map((field) => TEXT_COLUMNS[field]),
];

/** Lists the values of one record in the order of DAILY_STATS_COLUMNS. */
export function rowValues(record: UsageRecord, developerId: string): (string | number | boolean | null)[] {
  return [
    developerId,
    record.date,
    record.isActive,
    ...COUNT_FIELDS.map((field) => record[field]),
    ...TEXT_FIELDS.map((field) => record[field]),
  ];
}

/**
 * Numbers the developers 1, 2, ... in the order of `emails`, the ids that
 * insertDevelopers gives them.
 */
export function numberDevelopers(emails: readonly string[]): Map<string, string> {
  return new Map(emails.map((email, index) => [email, String(index + 1)]));
}

/**
 * Inserts one developer row per email with the id from numberDevelopers, so
 * rows prepared before the database existed refer to the right developer. The
 * limit and the naive baseline call it before their timer starts; the sync
 * creates its developers itself.
 */
export async function insertDevelopers(sql: Sql, emails: readonly string[]): Promise<Map<string, string>> {
  await sql`
    insert into developers (id, email)
    overriding system value
    select position, email from unnest(${emails as string[]}::text[]) with ordinality as usage(email, position)
  `;
  return numberDevelopers(emails);
}

/** Returns the developer id of an email, or throws when the developer is not numbered. */
export function developerIdOf(developerIds: ReadonlyMap<string, string>, email: string): string {
  const id = developerIds.get(email);
  if (id === undefined) {
    throw new Error(`No developer id for ${email}: the developers must be numbered from every email of the dataset.`);
  }
  return id;
}
