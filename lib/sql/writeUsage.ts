import type { TransactionSql } from '../db';
import type { IsoDate } from '../time';
import { CURSOR_SOURCE } from './syncStateRow';

/** Creates a developer row, not a member, for each email seen in usage but not yet known. */
export async function insertUnknownDevelopers(sql: TransactionSql, emails: readonly string[], now: Date): Promise<number> {
  const result = await sql`
    insert into developers (email, is_member, first_seen_at, updated_at)
    select email, false, ${now}, ${now} from unnest(${emails as string[]}::text[]) as seen(email)
    on conflict (email) do nothing
  `;
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

/** Returns the id of each developer row with one of `emails`, as a string (bigint). */
export async function readDeveloperIds(sql: TransactionSql, emails: readonly string[]): Promise<Map<string, string>> {
  const rows = await sql<{ id: string; email: string }[]>`
    select id::text as id, email from developers where email = any(${emails as string[]}::text[])
  `;
  return new Map(rows.map((row) => [row.email, row.id]));
}
