import { describe, expect, test } from 'vitest';
import { backoffDelayMs, stateAfterFailures } from '../../lib/backoff';

const SECOND_MS = 1000;

describe('backoffDelayMs', () => {
  test.each([
    { failures: 1, seconds: 5 },
    { failures: 2, seconds: 10 },
    { failures: 3, seconds: 20 },
    { failures: 4, seconds: 40 },
    { failures: 5, seconds: 80 },
    { failures: 6, seconds: 160 },
    { failures: 7, seconds: 300 },
    { failures: 8, seconds: 300 },
    { failures: 9, seconds: 300 },
    { failures: 10, seconds: 300 },
    { failures: 11, seconds: 300 },
    { failures: 12, seconds: 300 },
    { failures: 1_000, seconds: 300 },
  ])('failure $failures waits $seconds s', ({ failures, seconds }) => {
    // Act
    const delayMs = backoffDelayMs(failures);

    // Assess
    expect(delayMs).toBe(seconds * SECOND_MS);
  });

  test.each([
    { name: 'longer Retry-After wins', failures: 1, retryAfterMs: 60 * SECOND_MS, expectedMs: 60 * SECOND_MS },
    { name: 'Retry-After capped at 300 s', failures: 1, retryAfterMs: 3_600 * SECOND_MS, expectedMs: 300 * SECOND_MS },
    { name: 'Retry-After at cap kept', failures: 2, retryAfterMs: 300 * SECOND_MS, expectedMs: 300 * SECOND_MS },
    { name: 'shorter Retry-After ignored', failures: 4, retryAfterMs: 10 * SECOND_MS, expectedMs: 40 * SECOND_MS },
    { name: 'zero Retry-After ignored', failures: 3, retryAfterMs: 0, expectedMs: 20 * SECOND_MS },
    { name: 'shorter Retry-After at cap', failures: 8, retryAfterMs: 120 * SECOND_MS, expectedMs: 300 * SECOND_MS },
    { name: 'long Retry-After at cap', failures: 8, retryAfterMs: 900 * SECOND_MS, expectedMs: 300 * SECOND_MS },
  ])('$name', ({ failures, retryAfterMs, expectedMs }) => {
    // Act
    const delayMs = backoffDelayMs(failures, retryAfterMs);

    // Assess
    expect(delayMs).toBe(expectedMs);
  });
});

describe('stateAfterFailures', () => {
  test.each([
    { failures: 1, state: 'backing_off' },
    { failures: 9, state: 'backing_off' },
    { failures: 10, state: 'degraded' },
    { failures: 11, state: 'degraded' },
    { failures: 50, state: 'degraded' },
  ])('$failures failures give $state', ({ failures, state }) => {
    // Act
    const result = stateAfterFailures(failures);

    // Assess
    expect(result).toBe(state);
  });
});
