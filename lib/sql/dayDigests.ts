import type { TransactionSql } from '../db';
import type { IsoDate } from '../time';

/** The stored digest of one day's rows in `daily_stats_digests`. */
export interface DayDigest {
  rowCount: number;
  digest: string;
}

/**
 * Marks the transaction as the sync's, so the trigger on daily_stats keeps
 * the digests (migration 002), and locks the digest table against other
 * writers of daily_stats until the transaction ends. Without the lock,
 * another writer could change a day's rows after this transaction read them
 * and commit before it, and the digest written here would describe rows
 * that are no longer stored. With it, that writer's trigger waits and then
 * deletes the digests.
 */
export async function keepDigestsForThisTransaction(sql: TransactionSql): Promise<void> {
  await sql.unsafe(
    `lock table daily_stats_digests in share row exclusive mode;
     select set_config('cursor_usage_aggregator.sync_writer', 'on', true);`,
  );
}

/** Reads the stored digest of each day from `firstDay` to `lastDay` that has one. */
export async function readDayDigests(sql: TransactionSql, firstDay: IsoDate, lastDay: IsoDate): Promise<Map<IsoDate, DayDigest>> {
  const rows = await sql<{ date: IsoDate; row_count: number; digest: string }[]>`
    select date, row_count, digest from daily_stats_digests
    where date between ${firstDay}::date and ${lastDay}::date
  `;
  return new Map(rows.map((row) => [row.date, { rowCount: row.row_count, digest: row.digest }]));
}

/** Inserts or replaces the digests of some days. */
export async function storeDayDigests(sql: TransactionSql, digests: ReadonlyMap<IsoDate, DayDigest>): Promise<void> {
  if (digests.size === 0) {
    return;
  }
  const days = [...digests.keys()];
  const rowCounts = days.map((day) => digests.get(day)!.rowCount);
  const values = days.map((day) => digests.get(day)!.digest);
  await sql`
    insert into daily_stats_digests (date, row_count, digest, updated_at)
    select day, row_count, digest, now()
    from unnest(${days as string[]}::date[], ${rowCounts}::integer[], ${values}::text[]) as digest_of(day, row_count, digest)
    on conflict (date) do update
    set row_count = excluded.row_count, digest = excluded.digest, updated_at = excluded.updated_at
  `;
}
