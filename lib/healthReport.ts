import { DEGRADED_AFTER_FAILURES } from './backoff';
import type { SyncStateWithLastRun } from './sql/readSyncState';
import { addDays, toIsoDate } from './time';

/** IETF health check response format (draft-inadarei-api-health-check). */
export type HealthStatus = 'pass' | 'warn' | 'fail';

export interface HealthCheck {
  status: HealthStatus;
  observedValue?: string | number | null;
  observedUnit?: string;
  time: string;
  output?: string;
}

export interface HealthDocument {
  status: HealthStatus;
  serviceId: string;
  description: string;
  output?: string;
  checks: Record<string, HealthCheck[]>;
}

export const HEALTH_CONTENT_TYPE = 'application/health+json';
const SERVICE_ID = 'cursor-usage-aggregator';
const DESCRIPTION = 'Sync health of the Cursor usage aggregator';

/** The watermark counts as current when it is at least this many days before today. */
export const CURRENT_WATERMARK_AGE_DAYS = 2;

export function httpStatusFor(status: HealthStatus): number {
  return status === 'fail' ? 503 : 200;
}

/**
 * Rates the sync's health from its state row: `fail` when degraded, `warn`
 * while backing off, before the first success or with an old watermark, and
 * `pass` otherwise.
 */
export function rateSyncHealth(
  state: SyncStateWithLastRun | null,
  now: Date,
  databaseLatencyMs: number,
): HealthDocument {
  const time = now.toISOString();
  const today = toIsoDate(now.getTime());
  const databaseCheck: HealthCheck = { status: 'pass', observedValue: databaseLatencyMs, observedUnit: 'ms', time };

  const watermark = state?.watermark ?? null;
  const watermarkCurrent = watermark !== null && watermark >= addDays(today, -CURRENT_WATERMARK_AGE_DAYS);
  const failures = state?.consecutiveFailures ?? 0;
  const syncState = state?.state ?? null;

  const stateStatus = rateState(syncState);
  const failuresStatus = rateFailures(failures);
  const lastRunStatus = rateLastRun(state?.lastRunOutcome ?? null, failuresStatus);
  const errorOutput = state?.lastError ?? undefined;

  const checks: Record<string, HealthCheck[]> = {
    'sync:watermark': [
      withOutput(
        { status: watermarkCurrent ? 'pass' : 'warn', observedValue: watermark, time },
        describeWatermark(watermark, watermarkCurrent, today),
      ),
    ],
    'sync:lastSuccess': [
      withOutput(
        { status: state?.lastSuccessAt ? 'pass' : 'warn', observedValue: state?.lastSuccessAt?.toISOString() ?? null, time },
        state?.lastSuccessAt ? undefined : 'No cycle has succeeded yet.',
      ),
    ],
    'sync:consecutiveFailures': [
      withOutput({ status: failuresStatus, observedValue: failures, observedUnit: 'failures', time }, failures > 0 ? errorOutput : undefined),
    ],
    'sync:nextAttempt': [
      { status: failures > 0 ? failuresStatus : 'pass', observedValue: state?.nextAttemptAt?.toISOString() ?? null, time },
    ],
    'sync:state': [
      withOutput({ status: stateStatus, observedValue: syncState, time }, stateStatus === 'pass' ? undefined : errorOutput),
    ],
    'sync:lastRun': [
      withOutput(
        { status: lastRunStatus, observedValue: state?.lastRunId ?? null, time },
        state?.lastRunOutcome === 'failure' ? errorOutput : undefined,
      ),
    ],
    'database:connection': [databaseCheck],
  };

  let status: HealthStatus = 'pass';
  if (syncState === 'degraded') {
    status = 'fail';
  } else if (syncState !== 'healthy' || state?.lastSuccessAt == null || !watermarkCurrent) {
    status = 'warn';
  }

  return {
    status,
    serviceId: SERVICE_ID,
    description: DESCRIPTION,
    ...(state === null ? { output: 'No sync has run against this database yet.' } : {}),
    checks,
  };
}

/** Builds the document for an unreachable database, which reports only the connection check. */
export function databaseUnreachableHealth(now: Date, output: string): HealthDocument {
  return {
    status: 'fail',
    serviceId: SERVICE_ID,
    description: DESCRIPTION,
    output,
    checks: {
      'database:connection': [{ status: 'fail', time: now.toISOString(), output }],
    },
  };
}

function rateState(state: string | null): HealthStatus {
  if (state === 'degraded') {
    return 'fail';
  }
  return state === 'healthy' ? 'pass' : 'warn';
}

function rateFailures(failures: number): HealthStatus {
  if (failures >= DEGRADED_AFTER_FAILURES) {
    return 'fail';
  }
  return failures > 0 ? 'warn' : 'pass';
}

function rateLastRun(outcome: string | null, failuresStatus: HealthStatus): HealthStatus {
  if (outcome === 'success') {
    return 'pass';
  }
  return outcome === 'failure' ? failuresStatus : 'warn';
}

function describeWatermark(watermark: string | null, current: boolean, today: string): string | undefined {
  if (watermark === null) {
    return 'No day has been stored yet.';
  }
  return current ? undefined : `The watermark is older than ${addDays(today, -CURRENT_WATERMARK_AGE_DAYS)}.`;
}

function withOutput(check: HealthCheck, output: string | undefined): HealthCheck {
  return output === undefined ? check : { ...check, output };
}
