import type { Sql } from '../db';
import type { IsoDate } from '../time';
import { CURSOR_SOURCE } from './syncStateRow';

export type WatermarkResetResult =
  | { status: 'reset'; previousWatermark: IsoDate }
  | { status: 'lease_held'; leaseOwner: string; leaseExpiresAt: Date | null }
  | { status: 'no_watermark' }
  | { status: 'after_watermark'; currentWatermark: IsoDate };

/**
 * Moves the watermark back to `watermark` and clears `next_attempt_at`, unless
 * a run holds an unexpired lease, there is no watermark yet, or `watermark`
 * is after the current one.
 *
 * The state row is locked (SELECT ... FOR UPDATE) while the conditions are
 * checked and the row updated, so a cycle cannot take the lease or move the
 * watermark in between: its UPDATE waits for this transaction and then reads
 * the new watermark.
 */
export async function resetWatermark(sql: Sql, request: { watermark: IsoDate; now: Date }): Promise<WatermarkResetResult> {
  return sql.begin(async (transaction) => {
    const rows = await transaction<{ watermark: IsoDate | null; lease_owner: string | null; lease_expires_at: Date | null }[]>`
      select watermark, lease_owner, lease_expires_at
      from sync_state
      where source = ${CURSOR_SOURCE}
      for update
    `;
    const row = rows[0];
    if (row === undefined) {
      throw new Error(`The sync_state row of source "${CURSOR_SOURCE}" is missing; the migrations create it.`);
    }

    const leaseHeld =
      row.lease_owner !== null && (row.lease_expires_at === null || row.lease_expires_at.getTime() > request.now.getTime());
    if (leaseHeld) {
      return { status: 'lease_held', leaseOwner: row.lease_owner as string, leaseExpiresAt: row.lease_expires_at };
    }
    if (row.watermark === null) {
      return { status: 'no_watermark' };
    }
    if (request.watermark > row.watermark) {
      return { status: 'after_watermark', currentWatermark: row.watermark };
    }

    await transaction`
      update sync_state
      set watermark = ${request.watermark}, next_attempt_at = null
      where source = ${CURSOR_SOURCE}
    `;
    return { status: 'reset', previousWatermark: row.watermark };
  });
}
