import { describe, expect, test } from 'vitest';
import { parseRetryAfterMs } from '../../lib/retryAfter';

const NOW = new Date('2026-03-10T12:00:00Z');

describe('parseRetryAfterMs', () => {
  test.each([
    { name: 'seconds', header: '120', expected: 120_000 },
    { name: 'zero seconds', header: '0', expected: 0 },
    { name: 'seconds with spaces', header: ' 5 ', expected: 5_000 },
    { name: 'HTTP date in future', header: 'Tue, 10 Mar 2026 12:01:30 GMT', expected: 90_000 },
    { name: 'HTTP date now', header: 'Tue, 10 Mar 2026 12:00:00 GMT', expected: 0 },
    { name: 'HTTP date in past', header: 'Tue, 10 Mar 2026 11:00:00 GMT', expected: 0 },
    { name: 'HTTP date years ago', header: 'Sun, 06 Nov 1994 08:49:37 GMT', expected: 0 },
  ])('$name', ({ header, expected }) => {
    // Act
    const delayMs = parseRetryAfterMs(header, NOW);

    // Assess
    expect(delayMs).toBe(expected);
  });

  // A Retry-After value is either whole seconds or an HTTP date. Anything
  // else is unreadable and must not turn into a delay.
  test.each([
    { name: 'absent header', header: null },
    { name: 'empty header', header: '' },
    { name: 'word', header: 'soon' },
    { name: 'seconds with unit', header: '5 minutes' },
    { name: 'negative seconds', header: '-5' },
    { name: 'fractional seconds', header: '1.5' },
  ])('$name gives undefined', ({ header }) => {
    // Act
    const delayMs = parseRetryAfterMs(header, NOW);

    // Assess
    expect(delayMs).toBeUndefined();
  });
});
