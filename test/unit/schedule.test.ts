import { describe, expect, test } from 'vitest';
import { checkDue, cyclesPerInvocation, type DueCheckInput } from '../../lib/schedule';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const LAST_ATTEMPT_AT = new Date('2026-03-10T12:00:00Z');

function after(ms: number): Date {
  return new Date(LAST_ATTEMPT_AT.getTime() + ms);
}

/** Builds the input of a scheduled tick after a successful cycle that started at LAST_ATTEMPT_AT. */
function dueCheckInput(overrides: Partial<DueCheckInput>): DueCheckInput {
  return {
    trigger: 'schedule',
    now: after(MINUTE_MS),
    pollIntervalMs: MINUTE_MS,
    lastAttemptAt: LAST_ATTEMPT_AT,
    consecutiveFailures: 0,
    nextAttemptAt: null,
    lastOutcome: 'success',
    ...overrides,
  };
}

describe('checkDue', () => {
  test.each([
    {
      name: 'manual trigger right after a cycle',
      input: dueCheckInput({ trigger: 'manual', now: after(SECOND_MS) }),
      reason: 'manual',
    },
    {
      name: 'manual trigger during backoff',
      input: dueCheckInput({
        trigger: 'manual',
        now: after(SECOND_MS),
        consecutiveFailures: 3,
        nextAttemptAt: after(5 * MINUTE_MS),
        lastOutcome: 'failure',
      }),
      reason: 'manual',
    },
    {
      name: 'first cycle',
      input: dueCheckInput({ lastAttemptAt: null, lastOutcome: null, now: LAST_ATTEMPT_AT }),
      reason: 'first_cycle',
    },
    {
      name: 'incomplete last run',
      input: dueCheckInput({ lastOutcome: 'incomplete', now: after(SECOND_MS) }),
      reason: 'resume_incomplete',
    },
    {
      name: 'backoff over',
      input: dueCheckInput({
        now: after(5 * MINUTE_MS),
        consecutiveFailures: 7,
        nextAttemptAt: after(5 * MINUTE_MS),
        lastOutcome: 'failure',
      }),
      reason: 'retry',
    },
    {
      name: 'backoff long over',
      input: dueCheckInput({
        now: after(10 * MINUTE_MS),
        consecutiveFailures: 1,
        nextAttemptAt: after(5 * SECOND_MS),
        lastOutcome: 'failure',
      }),
      reason: 'retry',
    },
    {
      name: 'poll interval passed',
      input: dueCheckInput({ now: after(MINUTE_MS) }),
      reason: 'poll_interval',
    },
    {
      name: 'poll interval long passed',
      input: dueCheckInput({ now: after(60 * MINUTE_MS) }),
      reason: 'poll_interval',
    },
    {
      name: 'tick 1 s early',
      input: dueCheckInput({ now: after(MINUTE_MS - SECOND_MS) }),
      reason: 'poll_interval',
    },
    {
      name: 'tick 30 s early',
      input: dueCheckInput({ now: after(MINUTE_MS - 30 * SECOND_MS) }),
      reason: 'poll_interval',
    },
    {
      name: '90 s interval at +120 s',
      input: dueCheckInput({ pollIntervalMs: 90 * SECOND_MS, now: after(2 * MINUTE_MS) }),
      reason: 'poll_interval',
    },
    {
      name: '10 s interval at +10 s',
      input: dueCheckInput({ pollIntervalMs: 10 * SECOND_MS, now: after(10 * SECOND_MS) }),
      reason: 'poll_interval',
    },
  ])('due: $name', ({ input, reason }) => {
    // Act
    const result = checkDue(input);

    // Assess
    expect(result.due).toBe(true);
    expect(result.reason).toBe(reason);
  });

  test.each([
    {
      name: 'backoff not over',
      input: dueCheckInput({
        now: after(MINUTE_MS),
        consecutiveFailures: 7,
        nextAttemptAt: after(5 * MINUTE_MS),
        lastOutcome: 'failure',
      }),
      reason: 'backoff',
      dueAt: after(5 * MINUTE_MS),
    },
    {
      name: 'backoff 1 s from over',
      input: dueCheckInput({
        now: after(5 * MINUTE_MS - SECOND_MS),
        consecutiveFailures: 7,
        nextAttemptAt: after(5 * MINUTE_MS),
        lastOutcome: 'failure',
      }),
      reason: 'backoff',
      dueAt: after(5 * MINUTE_MS),
    },
    {
      name: 'poll interval not passed',
      input: dueCheckInput({ now: after(20 * SECOND_MS) }),
      reason: 'poll_interval',
      dueAt: after(30 * SECOND_MS),
    },
    {
      name: 'tick 31 s early',
      input: dueCheckInput({ now: after(MINUTE_MS - 31 * SECOND_MS) }),
      reason: 'poll_interval',
      dueAt: after(30 * SECOND_MS),
    },
    {
      name: '90 s interval at +60 s',
      input: dueCheckInput({ pollIntervalMs: 90 * SECOND_MS, now: after(MINUTE_MS) }),
      reason: 'poll_interval',
      dueAt: after(90 * SECOND_MS),
    },
    {
      name: '10 s interval at +4 s',
      input: dueCheckInput({ pollIntervalMs: 10 * SECOND_MS, now: after(4 * SECOND_MS) }),
      reason: 'poll_interval',
      dueAt: after(5 * SECOND_MS),
    },
  ])('not due: $name', ({ input, reason, dueAt }) => {
    // Act
    const result = checkDue(input);

    // Assess
    expect(result.due).toBe(false);
    expect(result.reason).toBe(reason);
    expect(result.due ? undefined : result.dueAt.toISOString()).toBe(dueAt.toISOString());
  });
});

describe('cyclesPerInvocation', () => {
  test.each([
    { pollIntervalMs: 10_000, cycles: 6 },
    { pollIntervalMs: 12_000, cycles: 5 },
    { pollIntervalMs: 15_000, cycles: 4 },
    { pollIntervalMs: 20_000, cycles: 3 },
    { pollIntervalMs: 30_000, cycles: 2 },
    { pollIntervalMs: 60_000, cycles: 1 },
    { pollIntervalMs: 90_000, cycles: 1 },
    { pollIntervalMs: 3_600_000, cycles: 1 },
  ])('$pollIntervalMs ms runs $cycles cycles', ({ pollIntervalMs, cycles }) => {
    // Act
    const result = cyclesPerInvocation(pollIntervalMs);

    // Assess
    expect(result).toBe(cycles);
  });
});
