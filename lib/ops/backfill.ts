import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { UsageSource } from '../cursorClient';
import type { Sql } from '../db';
import { sanitizeError } from '../sanitize';
import { extendLease } from '../sql/extendLease';
import { refreshMembers } from '../sql/refreshMembers';
import { startManualRun } from '../sql/startManualRun';
import { closeAndReportAbandonedRuns } from '../abandonedRuns';
import { finishRun, type RunCounts } from '../sql/syncRuns';
import { readLeaseHolder, releaseLease, takeLease } from '../sql/takeLease';
import { addDays, MINUTE, SECOND, toIsoDate, type Clock, type IsoDate } from '../time';
import { RecordValidator, type ValidatedBatch } from '../usageRecord';
import { daysPerRequestForTeam, rangeLengthDays, splitRange, type DateRange } from '../window';
import { storeUsage } from '../writeRequest';
import { parseBackfillRange, type FieldNames } from './arguments';
import { LeaseLostError } from './errors';

/**
 * Time between the starts of two usage requests: 15 a minute, below the
 * upstream's limit of 20 per minute per team, leaving room for the member
 * list, the client's retries and other users of the same key.
 */
export const BACKFILL_REQUEST_INTERVAL_MS = 4 * SECOND;

/**
 * A backfill's lease expires this long after it was taken or last extended,
 * so a killed backfill keeps the sync waiting for at most this long.
 */
export const BACKFILL_LEASE_MS = 15 * MINUTE;

export interface BackfillDependencies {
  sql: Sql;
  source: UsageSource;
  clock: Clock;
  logger: Logger;
  /** Values that must never appear in stored errors (API key, database password). */
  secrets: readonly (string | undefined)[];
}

export interface BackfillOptions {
  /** The days to fetch, both included; checked again here, so an invalid range changes nothing. */
  range: DateRange;
  /** Field names used in errors: `--from` on the command line, `from` in a payload. */
  fields?: FieldNames;
  runId?: string;
  /** No new request starts at or after this time. Default: no limit. */
  stopRequestsAt?: Date;
  /** The lease never expires after this time, normally a Lambda invocation's deadline. Default: no limit. */
  leaseDeadline?: Date;
}

export interface BackfillProgress extends RunCounts {
  runId: string;
  from: IsoDate;
  to: IsoDate;
  /** Upstream requests the range was cut into; 0 when the member list could not be fetched. */
  requests: number;
  requestsDone: number;
  /** The days not stored when the backfill stopped early; null after a success. */
  remaining: DateRange | null;
  error: string | null;
}

export type BackfillResult =
  | { status: 'lease_held'; leaseOwner: string | null; leaseExpiresAt: Date | null }
  | ({ status: 'success' | 'incomplete' | 'failure' } & BackfillProgress);

/**
 * Fetches a range of days again and stores it, without moving the watermark
 * or touching the sync's failure count and backoff. It holds the sync lease
 * throughout, because the write path COPYs new rows into daily_stats assuming
 * the lease holder is the only writer, and records a `sync_runs` row with
 * trigger `manual`. Throws InvalidOperatorRequestError for an invalid range,
 * before anything is written.
 */
export async function runBackfill(deps: BackfillDependencies, options: BackfillOptions): Promise<BackfillResult> {
  const { sql, clock, logger } = deps;
  const today = toIsoDate(clock.now().getTime());
  const range = parseBackfillRange(options.range.start, options.range.end, today, options.fields);
  const runId = options.runId ?? randomUUID();

  const now = clock.now();
  const state = await takeLease(sql, { owner: runId, now, expiresAt: leaseExpiry(now, options) });
  if (state === null) {
    const holder = await readLeaseHolder(sql);
    logger.info('Backfill skipped: another run holds the lease', {
      leaseOwner: holder.owner,
      leaseExpiresAt: holder.expiresAt?.toISOString(),
    });
    return { status: 'lease_held', leaseOwner: holder.owner, leaseExpiresAt: holder.expiresAt };
  }

  try {
    return await backfillUnderLease(deps, options, runId, range);
  } finally {
    await releaseLease(sql, runId).catch((error: unknown) => {
      logger.warn('Failed to release the lease; it expires by itself', {
        runId,
        error: sanitizeError(error, deps.secrets),
      });
    });
  }
}

async function backfillUnderLease(
  deps: BackfillDependencies,
  options: BackfillOptions,
  runId: string,
  range: DateRange,
): Promise<BackfillResult> {
  const { sql, clock, logger } = deps;
  const startedAt = clock.now();
  logger.setCorrelationId(runId);

  await closeAndReportAbandonedRuns(sql, logger, runId, startedAt);
  await startManualRun(sql, { runId, startedAt, window: range });

  const progress: BackfillProgress = {
    runId,
    from: range.start,
    to: range.end,
    requests: 0,
    requestsDone: 0,
    remaining: range,
    error: null,
    developers: 0,
    rowsUpserted: 0,
    rowsChanged: 0,
    rowsRejected: 0,
  };
  let outcome: 'success' | 'incomplete' | 'failure';
  try {
    outcome = (await fetchAndStoreRange(deps, options, range, progress)) ? 'success' : 'incomplete';
  } catch (thrown) {
    outcome = 'failure';
    progress.error = sanitizeError(thrown, deps.secrets);
  }
  const finishedAt = clock.now();

  const fields = { ...progress, outcome, durationMs: finishedAt.getTime() - startedAt.getTime() };
  if (outcome === 'failure') {
    logger.error('Backfill failed', fields);
  } else {
    logger.info('Backfill finished', fields);
  }

  try {
    await finishRun(sql, runId, {
      developers: progress.developers,
      rowsUpserted: progress.rowsUpserted,
      rowsChanged: progress.rowsChanged,
      rowsRejected: progress.rowsRejected,
      outcome,
      finishedAt,
      error: progress.error,
    });
  } catch (error) {
    // The run stays `running` until the next cycle closes it as abandoned.
    logger.error('Failed to record the end of the backfill', { runId, error: sanitizeError(error, deps.secrets) });
  }
  return { status: outcome, ...progress };
}

/**
 * Refreshes the members, then fetches and stores the range request by
 * request, oldest first. Returns false when `stopRequestsAt` stopped it early.
 * `progress` is updated after each stored request, so it is right when this throws.
 */
async function fetchAndStoreRange(
  deps: BackfillDependencies,
  options: BackfillOptions,
  range: DateRange,
  progress: BackfillProgress,
): Promise<boolean> {
  const { sql, source, clock, logger } = deps;
  const runId = progress.runId;

  const members = await source.fetchMembers();
  const refresh = await refreshMembers(sql, members, clock.now());
  logger.info('Team members refreshed', { members: members.length, changed: refresh.members, departed: refresh.departed });

  // Sized like the sync's requests: usage may name departed developers, so leave room beyond the members.
  const requests = splitRange(range, daysPerRequestForTeam(Math.ceil(members.length * 1.2) + 1));
  progress.requests = requests.length;
  logger.info('Backfill started', {
    runId,
    backfillStart: range.start,
    backfillEnd: range.end,
    days: rangeLengthDays(range),
    requests: requests.length,
  });

  const yesterday = addDays(toIsoDate(clock.now().getTime()), -1);
  const developerIds = new Map<string, string>();
  const developers = new Set<string>();
  let previousRequestStartMs: number | undefined;
  for (const request of requests) {
    progress.remaining = { start: request.start, end: range.end };
    if (previousRequestStartMs !== undefined) {
      const waitMs = previousRequestStartMs + BACKFILL_REQUEST_INTERVAL_MS - clock.now().getTime();
      if (waitMs > 0) {
        await clock.sleep(waitMs);
      }
    }

    if (options.stopRequestsAt !== undefined && clock.now().getTime() >= options.stopRequestsAt.getTime()) {
      logger.warn('Stopping the backfill before the deadline; run it again for the remaining days', {
        runId,
        remainingStart: request.start,
        remainingEnd: range.end,
      });
      return false;
    }
    previousRequestStartMs = clock.now().getTime();

    const validator = new RecordValidator();
    await source.fetchDailyUsage(request, validator);
    const batch = validator.result();

    // The fetch may have outlasted the lease; never write without it.
    const extended = await extendLease(sql, runId, leaseExpiry(clock.now(), options));
    if (!extended) {
      throw new LeaseLostError(
        `Backfill run ${runId} lost the sync lease before storing ${request.start}..${request.end}: it expired and another run took it.`,
      );
    }

    const stored = await storeUsage(deps, {
      runId,
      request,
      records: batch.records,
      rejected: batch.rejected,
      yesterday,
      developerIds,
      advanceWatermark: false,
      // A backfill repairs: it trusts no digest and compares every row.
      compareEveryRow: true,
    });
    recordStored(progress, developers, stored.emails, batch, stored.rowsChanged);
  }
  progress.remaining = null;
  return true;
}

function recordStored(
  progress: BackfillProgress,
  developers: Set<string>,
  emails: ReadonlySet<string>,
  batch: ValidatedBatch,
  rowsChanged: number,
): void {
  for (const email of emails) {
    developers.add(email);
  }
  progress.requestsDone++;
  progress.developers = developers.size;
  progress.rowsUpserted += batch.records.length;
  progress.rowsChanged += rowsChanged;
  progress.rowsRejected += batch.rejected.length;
}

function leaseExpiry(now: Date, options: BackfillOptions): Date {
  const expiresAtMs = now.getTime() + BACKFILL_LEASE_MS;
  const deadlineMs = options.leaseDeadline?.getTime() ?? Number.POSITIVE_INFINITY;
  return new Date(Math.min(expiresAtMs, deadlineMs));
}
