import type { Logger } from '@aws-lambda-powertools/logger';
import type { Sql } from '../db';
import { resetWatermark as updateWatermark } from '../sql/resetWatermark';
import type { Clock, IsoDate } from '../time';
import { parseDate } from './arguments';
import { InvalidOperatorRequestError } from './errors';

export type ResetResult =
  | { status: 'reset'; previousWatermark: IsoDate; watermark: IsoDate }
  | { status: 'lease_held'; leaseOwner: string; leaseExpiresAt: Date | null };

/**
 * Moves the watermark back to `watermark`, so the next cycle fetches again
 * every day after it, and clears the time of the next attempt after a
 * failure, so the next scheduled cycle is not held back by a backoff. The
 * failure count stays until a cycle succeeds. This is the only way the
 * watermark moves backward.
 *
 * Throws InvalidOperatorRequestError, with nothing changed, for an invalid
 * date, a date after the current watermark, or no watermark yet.
 */
export async function resetWatermark(
  deps: { sql: Sql; clock: Clock; logger: Logger },
  request: { watermark: string; field?: string },
): Promise<ResetResult> {
  const field = request.field ?? '--watermark';
  const watermark = parseDate(field, request.watermark);

  const result = await updateWatermark(deps.sql, { watermark, now: deps.clock.now() });
  switch (result.status) {
    case 'reset':
      deps.logger.info('Watermark reset', { previousWatermark: result.previousWatermark, watermark });
      return { status: 'reset', previousWatermark: result.previousWatermark, watermark };
    case 'lease_held':
      deps.logger.info('Watermark reset skipped: another run holds the lease', {
        leaseOwner: result.leaseOwner,
        leaseExpiresAt: result.leaseExpiresAt?.toISOString(),
      });
      return result;
    case 'no_watermark':
      throw new InvalidOperatorRequestError(
        `Cannot reset the watermark to ${watermark}: there is no watermark yet, because no cycle has succeeded. ` +
          'The next cycle runs the full sync from SYNC_START_DATE; nothing was changed.',
      );
    case 'after_watermark':
      throw new InvalidOperatorRequestError(
        `Invalid ${field} "${watermark}": it is after the current watermark ${result.currentWatermark}. ` +
          'A reset only moves the watermark back, because every day up to the watermark must be stored; ' +
          'to fetch later days again, run a backfill. Nothing was changed.',
      );
  }
}
