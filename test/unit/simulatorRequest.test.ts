import { describe, expect, test } from 'vitest';
import { isAuthorized } from '../../simulator/auth';
import { RateLimiter } from '../../simulator/rateLimiter';
import { parseUsageRequest } from '../../simulator/requestBody';

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2025, 5, 1);

describe('parseUsageRequest', () => {
  test.each([
    { name: 'one day', startMs: START_MS, endMs: START_MS + DAY_MS },
    { name: 'same instant', startMs: START_MS, endMs: START_MS },
    { name: 'exactly 30 days', startMs: START_MS, endMs: START_MS + 30 * DAY_MS },
  ])('accepts $name', ({ startMs, endMs }) => {
    // Act
    const request = parseUsageRequest(JSON.stringify({ startDate: startMs, endDate: endMs }));

    // Assess
    expect(request).toEqual({ ok: true, startMs, endMs });
  });

  test.each([
    { name: 'not JSON', body: 'startDate=1', message: 'not valid JSON' },
    { name: 'empty body', body: '', message: 'not valid JSON' },
    { name: 'array', body: '[1, 2]', message: 'must be a JSON object' },
    { name: 'null', body: 'null', message: 'must be a JSON object' },
    { name: 'missing startDate', body: JSON.stringify({ endDate: START_MS }), message: 'startDate is missing' },
    { name: 'missing endDate', body: JSON.stringify({ startDate: START_MS }), message: 'endDate is missing' },
    { name: 'string date', body: JSON.stringify({ startDate: '2025-06-01', endDate: START_MS }), message: 'startDate must be a non-negative integer' },
    { name: 'numeric string date', body: JSON.stringify({ startDate: String(START_MS), endDate: START_MS }), message: 'startDate must be' },
    { name: 'fractional date', body: JSON.stringify({ startDate: START_MS, endDate: START_MS + 0.5 }), message: 'endDate must be' },
    { name: 'negative date', body: JSON.stringify({ startDate: -1, endDate: START_MS }), message: 'startDate must be' },
    { name: 'start after end', body: JSON.stringify({ startDate: START_MS + 1, endDate: START_MS }), message: 'is after endDate' },
    { name: 'range over 30 days', body: JSON.stringify({ startDate: START_MS, endDate: START_MS + 30 * DAY_MS + 1 }), message: 'at most 30 days' },
  ])('rejects $name', ({ body, message }) => {
    // Act
    const request = parseUsageRequest(body);

    // Assess
    expect(request.ok).toBe(false);
    expect(request.ok ? '' : request.message).toContain(message);
  });
});

describe('isAuthorized', () => {
  const basic = (credentials: string): string => `Basic ${Buffer.from(credentials).toString('base64')}`;

  test.each([
    { name: 'key as user name', header: basic('key_1:'), authorized: true },
    { name: 'lower-case scheme', header: basic('key_1:').replace('Basic', 'basic'), authorized: true },
    { name: 'password ignored', header: basic('key_1:anything'), authorized: true },
    { name: 'missing header', header: undefined, authorized: false },
    { name: 'wrong key', header: basic('key_2:'), authorized: false },
    { name: 'key as password', header: basic(':key_1'), authorized: false },
    { name: 'no colon', header: basic('key_1'), authorized: false },
    { name: 'bearer scheme', header: 'Bearer key_1', authorized: false },
    { name: 'key prefix', header: basic('key_:'), authorized: false },
  ])('$name', ({ header, authorized }) => {
    expect(isAuthorized(header, 'key_1')).toBe(authorized);
  });
});

describe('RateLimiter', () => {
  test('admits the limit then rejects', () => {
    // Arrange
    let clockMs = 0;
    const limiter = new RateLimiter(3, () => clockMs);

    // Act
    const results = [limiter.tryAdmit(), limiter.tryAdmit(), limiter.tryAdmit()];
    clockMs = 15_000;
    const rejected = limiter.tryAdmit();

    // Assess
    expect(results).toEqual([null, null, null]);
    expect(rejected).toBe(45_000);
  });

  test('window slides after a minute', () => {
    // Arrange
    let clockMs = 0;
    const limiter = new RateLimiter(2, () => clockMs);
    limiter.tryAdmit();
    clockMs = 30_000;
    limiter.tryAdmit();

    // Act
    clockMs = 59_999;
    const beforeMinute = limiter.tryAdmit();
    clockMs = 60_000;
    const atMinute = limiter.tryAdmit();
    const afterAdmit = limiter.tryAdmit();

    // Assess
    expect(beforeMinute).toBe(1);
    expect(atMinute).toBeNull();
    expect(afterAdmit).toBe(30_000);
  });

  test('zero limit admits all', () => {
    // Arrange
    const limiter = new RateLimiter(0, () => 0);

    // Act
    const results = Array.from({ length: 100 }, () => limiter.tryAdmit());

    // Assess
    expect(results.every((result) => result === null)).toBe(true);
  });
});
