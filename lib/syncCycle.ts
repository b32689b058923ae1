import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { backoffDelayMs, stateAfterFailures } from './backoff';
import type { Config } from './config';
import type { Sql } from './db';
import { toError, UpstreamError } from './errors';
import type { UsageSource } from './cursorClient';
import { sanitizeError } from './sanitize';
import { checkDue, type SyncTrigger } from './schedule';
import { pruneHistory } from './sql/pruneHistory';
import { recordFailure, recordSuccess } from './sql/recordOutcome';
import { refreshMembers } from './sql/refreshMembers';
import { closeAndReportAbandonedRuns } from './abandonedRuns';
import { finishRun, recordRunWindow, startRun, type RunCounts } from './sql/syncRuns';
import { readLeaseHolder, releaseLease, takeLease } from './sql/takeLease';
import { readSyncState, type SyncStateWithLastRun } from './sql/readSyncState';
import { writeRequest } from './writeRequest';
import { addDays, DAY, SECOND, toIsoDate, type Clock, type IsoDate } from './time';
import { RecordValidator, type ValidatedBatch } from './usageRecord';
import { daysPerRequestForTeam, MAX_DAYS_PER_REQUEST, planWindow, rangeLengthDays, type DateRange, type SyncWindow } from './window';

/** Pause before the second attempt to record a failed cycle. */
const FAILURE_RECORD_RETRY_DELAY_MS = 1 * SECOND;

export interface CycleDependencies {
  sql: Sql;
  source: UsageSource;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'pollIntervalMs' | 'syncLookbackDays' | 'syncStartDate' | 'retentionDays'>;
  /** Values that must never appear in stored errors (API key, database password). */
  secrets: readonly (string | undefined)[];
  /** Receives each cycle's figures; CloudWatch metrics when deployed. */
  metrics?: CycleMetricsSink;
}

export interface CycleMetricsSink {
  publishCycle(result: CycleResult, now: Date): void;
}

export interface CycleOptions {
  trigger: SyncTrigger;
  /** No new upstream request starts at or after this time. */
  stopRequestsAt: Date;
  /** The lease expires here, normally at the invocation's deadline. */
  leaseExpiresAt: Date;
  runId?: string;
  /**
   * Run ids of earlier cycles of the same invocation. Their lease may be taken
   * over at once, so that a lease a failed cycle could not release (database
   * down) does not block the invocation's own retry.
   */
  reclaimableLeaseOwners?: readonly string[];
}

export type CycleResult =
  | { status: 'lease_held'; leaseOwner: string | null; leaseExpiresAt: Date | null }
  | { status: 'not_due'; dueAt: Date; reason: string; consecutiveFailures: number }
  | ({ status: 'success' | 'incomplete'; runId: string } & RunCounts & CycleFigures)
  | ({ status: 'failure'; runId: string; error: string; nextAttemptAt: Date; consecutiveFailures: number } & RunCounts & CycleFigures);

/** Figures of a cycle that ran, for metrics. */
export interface CycleFigures {
  durationMs: number;
  /** The watermark after the cycle, as far as it is known. */
  watermark: IsoDate | null;
}

/**
 * Runs one sync cycle if it is due: takes the lease, plans the window, fetches
 * and stores it request by request, and records the outcome.
 */
export async function runSyncCycle(deps: CycleDependencies, options: CycleOptions): Promise<CycleResult> {
  const { sql, clock, logger } = deps;
  const runId = options.runId ?? randomUUID();
  const now = clock.now();

  // The run id is the lease owner, so an operator can tell which run holds it.
  const state = await takeLease(sql, {
    owner: runId,
    reclaimableOwners: options.reclaimableLeaseOwners,
    now,
    expiresAt: options.leaseExpiresAt,
  });
  if (state === null) {
    const holder = await readLeaseHolder(sql);
    logger.info('Skipped: another run holds the lease', {
      leaseOwner: holder.owner,
      leaseExpiresAt: holder.expiresAt?.toISOString(),
    });
    return { status: 'lease_held', leaseOwner: holder.owner, leaseExpiresAt: holder.expiresAt };
  }

  try {
    const due = checkDue({
      trigger: options.trigger,
      now,
      pollIntervalMs: deps.config.pollIntervalMs,
      lastAttemptAt: state.lastAttemptAt,
      consecutiveFailures: state.consecutiveFailures,
      nextAttemptAt: state.nextAttemptAt,
      lastOutcome: state.lastRunOutcome,
    });
    if (!due.due) {
      logger.debug('Skipped: no cycle is due', { reason: due.reason, dueAt: due.dueAt.toISOString() });
      return { status: 'not_due', dueAt: due.dueAt, reason: due.reason, consecutiveFailures: state.consecutiveFailures };
    }
    const result = await runDueCycle(deps, options, runId, state);
    deps.metrics?.publishCycle(result, clock.now());
    return result;
  } finally {
    await releaseLease(sql, runId).catch((error: unknown) => {
      // The lease expires by itself; the next invocation after that proceeds.
      logger.warn('Failed to release the lease; it expires by itself', {
        runId,
        leaseExpiresAt: options.leaseExpiresAt.toISOString(),
        error: sanitizeError(error, deps.secrets),
      });
    });
  }
}

async function runDueCycle(
  deps: CycleDependencies,
  options: CycleOptions,
  runId: string,
  state: SyncStateWithLastRun,
): Promise<CycleResult> {
  const { sql, clock, logger } = deps;
  const startedAt = clock.now();
  logger.setCorrelationId(runId);

  await closeAndReportAbandonedRuns(sql, logger, runId, startedAt);
  await startRun(sql, { runId, trigger: options.trigger, startedAt });
  logger.info('Cycle started', {
    runId,
    trigger: options.trigger,
    watermark: state.watermark,
    consecutiveFailures: state.consecutiveFailures,
  });

  const counts: RunCounts = { developers: 0, rowsUpserted: 0, rowsChanged: 0, rowsRejected: 0 };
  try {
    const complete = await fetchAndStoreWindow(deps, options, runId, state, counts);
    const finishedAt = clock.now();
    const outcome = complete ? 'success' : 'incomplete';
    await recordSuccess(sql, finishedAt, { complete });
    await finishRun(sql, runId, { ...counts, outcome, finishedAt, error: null });
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    logger.info('Cycle finished', { runId, outcome, durationMs, ...counts });
    await pruneOldHistory(deps, finishedAt);
    const watermark = (await readSyncState(sql))?.watermark ?? null;
    return { status: outcome, runId, ...counts, durationMs, watermark };
  } catch (thrown) {
    return await recordCycleFailure(deps, runId, state, counts, startedAt, thrown);
  }
}

async function recordCycleFailure(
  deps: CycleDependencies,
  runId: string,
  state: SyncStateWithLastRun,
  counts: RunCounts,
  startedAt: Date,
  thrown: unknown,
): Promise<CycleResult> {
  const { sql, clock, logger } = deps;
  const error = sanitizeError(thrown, deps.secrets);
  const finishedAt = clock.now();
  const consecutiveFailures = state.consecutiveFailures + 1;
  const retryAfterMs = thrown instanceof UpstreamError ? thrown.retryAfterMs : undefined;
  const nextAttemptAt = new Date(finishedAt.getTime() + backoffDelayMs(consecutiveFailures, retryAfterMs));
  const healthState = stateAfterFailures(consecutiveFailures);

  logger.error('Cycle failed', {
    runId,
    error,
    errorKind: thrown instanceof UpstreamError ? thrown.kind : toError(thrown).name,
    consecutiveFailures,
    state: healthState,
    nextAttemptAt: nextAttemptAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    ...counts,
  });

  const write = async (): Promise<void> => {
    await recordFailure(sql, { consecutiveFailures, state: healthState, nextAttemptAt, error });
    await finishRun(sql, runId, { ...counts, outcome: 'failure', finishedAt, error });
  };
  let recorded = true;
  try {
    await write();
  } catch {
    // The driver reconnects on the next query, so one more try after a short
    // pause covers a dropped connection or a quick restart. A database that
    // stays unreachable is only logged.
    try {
      await clock.sleep(FAILURE_RECORD_RETRY_DELAY_MS);
      await write();
    } catch (writeError) {
      recorded = false;
      logger.error('Failed to record the failed cycle; the database is unreachable', {
        runId,
        error: sanitizeError(writeError, deps.secrets),
      });
    }
  }
  const watermark = recorded
    ? await readSyncState(sql).then(
        (current) => current?.watermark ?? null,
        () => state.watermark,
      )
    : state.watermark;
  const durationMs = finishedAt.getTime() - startedAt.getTime();
  return { status: 'failure', runId, error, nextAttemptAt, consecutiveFailures, ...counts, durationMs, watermark };
}

/** Returns true when the whole window was stored, false when the deadline stopped it. */
async function fetchAndStoreWindow(
  deps: CycleDependencies,
  options: CycleOptions,
  runId: string,
  state: SyncStateWithLastRun,
  counts: RunCounts,
): Promise<boolean> {
  const { sql, source, clock, logger } = deps;

  const today = toIsoDate(clock.now().getTime());
  const yesterday = addDays(today, -1);
  const windowInput = {
    watermark: state.watermark,
    today,
    lookbackDays: deps.config.syncLookbackDays,
    syncStartDate: deps.config.syncStartDate,
  };
  // The window's days do not depend on the team, so they are recorded before
  // the first upstream request: a cycle that fails there still shows them.
  const days = planWindow({ ...windowInput, daysPerRequest: MAX_DAYS_PER_REQUEST });
  await recordRunWindow(sql, runId, { windowStart: days.start, windowEnd: days.end });

  const members = await source.fetchMembers();
  const refresh = await refreshMembers(sql, members, clock.now());
  logger.info('Team members refreshed', { members: members.length, changed: refresh.members, departed: refresh.departed });

  const window = planWindow({
    ...windowInput,
    // Usage may name departed developers, so leave room beyond the members.
    daysPerRequest: daysPerRequestForTeam(Math.ceil(members.length * 1.2) + 1),
  });
  logWindow(logger, window, deps.config.syncLookbackDays);

  const developersInWindow = new Set<string>();
  const developerIds = new Map<string, string>();
  const deadlineNear = (): boolean => clock.now().getTime() >= options.stopRequestsAt.getTime();
  // The next request is fetched and validated while the current one is
  // written, so the upstream, this process and PostgreSQL work at once.
  let prefetched: Promise<ValidatedBatch> | undefined;
  for (const [index, request] of window.requests.entries()) {
    if (prefetched === undefined && deadlineNear()) {
      logger.warn('Stopping before the deadline; the next invocation resumes from the watermark', {
        runId,
        requestsDone: index,
        requestsLeft: window.requests.length - index,
        nextRequest: request,
      });
      return false;
    }

    const batch = await (prefetched ?? fetchValidated(source, request));
    const following = window.requests[index + 1];
    prefetched = following !== undefined && !deadlineNear() ? fetchValidated(source, following) : undefined;

    const written = await writeRequest(deps, { runId, request, batch, yesterday, developerIds });
    for (const email of written.emails) {
      developersInWindow.add(email);
    }
    counts.developers = developersInWindow.size;
    counts.rowsUpserted += written.rowsUpserted;
    counts.rowsChanged += written.rowsChanged;
    counts.rowsRejected += written.rowsRejected;
  }
  return true;
}

/** Starts fetching one request into a validator. The caller that awaits the promise handles its rejection. */
function fetchValidated(source: UsageSource, request: DateRange): Promise<ValidatedBatch> {
  const validator = new RecordValidator();
  const result = source.fetchDailyUsage(request, validator).then(() => validator.result());
  // A prefetch that fails after the cycle failed for another reason is dropped.
  result.catch(() => {});
  return result;
}

function logWindow(logger: Logger, window: SyncWindow, lookbackDays: number): void {
  const fields = {
    windowStart: window.start,
    windowEnd: window.end,
    days: rangeLengthDays(window),
    requests: window.requests.length,
  };
  if (window.fullSync) {
    logger.info('Full sync from the start date', fields);
  } else if (window.start < addDays(window.end, -lookbackDays)) {
    logger.info('Backfilling the days missed since the watermark', fields);
  } else {
    logger.info('Fetching the lookback window', fields);
  }
}

async function pruneOldHistory(deps: CycleDependencies, now: Date): Promise<void> {
  try {
    const olderThan = new Date(now.getTime() - deps.config.retentionDays * DAY);
    const pruned = await pruneHistory(deps.sql, olderThan);
    if (pruned.runs > 0 || pruned.rejectedRecords > 0) {
      deps.logger.info('Pruned old run history', { ...pruned, olderThan: olderThan.toISOString() });
    }
  } catch (error) {
    deps.logger.warn('Failed to prune old run history; it is tried again next cycle', {
      error: sanitizeError(error, deps.secrets),
    });
  }
}
