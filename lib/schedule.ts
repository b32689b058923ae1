import { MINUTE } from './time';

/** The EventBridge schedule fires `sync` once a minute, the shortest rate it allows. */
export const SCHEDULE_TICK_MS = MINUTE;

export type SyncTrigger = 'schedule' | 'manual';
export type RunOutcome = 'running' | 'success' | 'failure' | 'incomplete';

export interface DueCheckInput {
  trigger: SyncTrigger;
  now: Date;
  pollIntervalMs: number;
  lastAttemptAt: Date | null;
  consecutiveFailures: number;
  nextAttemptAt: Date | null;
  lastOutcome: RunOutcome | null;
}

export type DueCheck =
  | { due: true; reason: 'manual' | 'first_cycle' | 'resume_incomplete' | 'retry' | 'poll_interval' }
  | { due: false; reason: 'backoff' | 'poll_interval'; dueAt: Date };

/**
 * Decides whether a cycle is due. A manual trigger always is. Otherwise a
 * cycle is due after the backoff delay when the last one failed, at once when
 * it ended `incomplete`, and else when the poll interval has passed since it
 * started.
 */
export function checkDue(input: DueCheckInput): DueCheck {
  if (input.trigger === 'manual') {
    return { due: true, reason: 'manual' };
  }
  if (input.lastAttemptAt === null) {
    return { due: true, reason: 'first_cycle' };
  }
  if (input.lastOutcome === 'incomplete') {
    return { due: true, reason: 'resume_incomplete' };
  }
  if (input.consecutiveFailures > 0 && input.nextAttemptAt !== null) {
    return input.now.getTime() >= input.nextAttemptAt.getTime()
      ? { due: true, reason: 'retry' }
      : { due: false, reason: 'backoff', dueAt: input.nextAttemptAt };
  }

  const dueAt = new Date(input.lastAttemptAt.getTime() + pollDueAfterMs(input.pollIntervalMs));
  return input.now.getTime() >= dueAt.getTime()
    ? { due: true, reason: 'poll_interval' }
    : { due: false, reason: 'poll_interval', dueAt };
}

/**
 * Returns how long after a cycle's start the next one is due. Cycles run only
 * at ticks (or at slots spaced by the interval inside one invocation), so an
 * interval of a minute or more is rounded up to whole ticks: 90000 runs at
 * every second tick. Ticks arrive early or late by a few seconds, so the cycle
 * is due half a period early. Otherwise a tick 100 ms early would skip a whole
 * interval, and a sync started between two ticks would wait almost two.
 */
export function pollDueAfterMs(pollIntervalMs: number): number {
  if (pollIntervalMs < SCHEDULE_TICK_MS) {
    return pollIntervalMs / 2;
  }
  const ticks = Math.ceil(pollIntervalMs / SCHEDULE_TICK_MS);
  return ticks * SCHEDULE_TICK_MS - SCHEDULE_TICK_MS / 2;
}

/** Returns how many cycles one invocation runs: several, spaced by the interval, when it is under a minute. */
export function cyclesPerInvocation(pollIntervalMs: number): number {
  return pollIntervalMs < SCHEDULE_TICK_MS ? Math.floor(SCHEDULE_TICK_MS / pollIntervalMs) : 1;
}
