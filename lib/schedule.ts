import { MINUTE, SECOND } from './time';

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
 * Decides whether a cycle is due: a manual trigger always is; otherwise after
 * the backoff delay when the last cycle failed, at once when it ended
 * `incomplete`, and else when the poll interval has passed since it started.
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

  const dueAt = new Date(input.lastAttemptAt.getTime() + input.pollIntervalMs);
  // Ticks arrive a little early or late, so a cycle is due slightly before its
  // exact time; otherwise a tick 100 ms early would skip a whole interval.
  const slackMs = pollSlackMs(input.pollIntervalMs);
  return input.now.getTime() >= dueAt.getTime() - slackMs
    ? { due: true, reason: 'poll_interval' }
    : { due: false, reason: 'poll_interval', dueAt };
}

export function pollSlackMs(pollIntervalMs: number): number {
  return Math.min(pollIntervalMs / 2, 15 * SECOND);
}

/** An interval under a minute runs several cycles in one invocation, spaced by the interval. */
export function cyclesPerInvocation(pollIntervalMs: number): number {
  return pollIntervalMs < SCHEDULE_TICK_MS ? Math.floor(SCHEDULE_TICK_MS / pollIntervalMs) : 1;
}
