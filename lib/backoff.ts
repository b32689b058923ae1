import { SECOND } from './time';

/** Delays after the 1st to 6th consecutive failure; later ones wait MAX_BACKOFF_MS. */
export const BACKOFF_SCHEDULE_MS = [5, 10, 20, 40, 80, 160].map((seconds) => seconds * SECOND);
export const MAX_BACKOFF_MS = 300 * SECOND;

/** From this many consecutive failures on, the state is `degraded` until a success. */
export const DEGRADED_AFTER_FAILURES = 10;

/**
 * Returns how long to wait before the next attempt after `consecutiveFailures`
 * failures in a row (1 for the first). An upstream Retry-After wins when it
 * is longer; both are capped at MAX_BACKOFF_MS.
 */
export function backoffDelayMs(consecutiveFailures: number, retryAfterMs?: number): number {
  const index = Math.max(1, consecutiveFailures) - 1;
  const scheduled = BACKOFF_SCHEDULE_MS[index] ?? MAX_BACKOFF_MS;
  return Math.min(MAX_BACKOFF_MS, Math.max(scheduled, retryAfterMs ?? 0));
}

export type SyncHealthState = 'healthy' | 'backing_off' | 'degraded';

export function stateAfterFailures(consecutiveFailures: number): SyncHealthState {
  return consecutiveFailures >= DEGRADED_AFTER_FAILURES ? 'degraded' : 'backing_off';
}
