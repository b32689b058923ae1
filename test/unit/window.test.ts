import { describe, expect, test } from 'vitest';
import { daysPerRequestForTeam, planWindow, splitRange, type DateRange, type WindowInput } from '../../lib/window';

const TODAY = '2026-03-10';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Counts the days of an inclusive range without the module's own helpers. */
function lengthInDays(range: DateRange): number {
  return (Date.parse(`${range.end}T00:00:00Z`) - Date.parse(`${range.start}T00:00:00Z`)) / DAY_MS + 1;
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

function windowInput(overrides: Partial<WindowInput>): WindowInput {
  return {
    watermark: null,
    today: TODAY,
    lookbackDays: 3,
    syncStartDate: undefined,
    daysPerRequest: 30,
    ...overrides,
  };
}

describe('planWindow', () => {
  test.each([
    {
      name: 'no watermark, default start',
      input: windowInput({}),
      start: '2025-12-11',
      fullSync: true,
    },
    {
      name: 'no watermark, SYNC_START_DATE set',
      input: windowInput({ syncStartDate: '2026-01-01' }),
      start: '2026-01-01',
      fullSync: true,
    },
    {
      name: 'start date after today',
      input: windowInput({ syncStartDate: '2026-04-01' }),
      start: TODAY,
      fullSync: true,
    },
    {
      name: 'watermark yesterday uses lookback',
      input: windowInput({ watermark: '2026-03-09' }),
      start: '2026-03-07',
      fullSync: false,
    },
    {
      name: 'watermark inside lookback',
      input: windowInput({ watermark: '2026-03-08', lookbackDays: 5 }),
      start: '2026-03-05',
      fullSync: false,
    },
    {
      name: 'old watermark starts a backfill',
      input: windowInput({ watermark: '2026-01-15' }),
      start: '2026-01-16',
      fullSync: false,
    },
    {
      name: 'lookback 0 with watermark yesterday',
      input: windowInput({ watermark: '2026-03-09', lookbackDays: 0 }),
      start: TODAY,
      fullSync: false,
    },
    {
      name: 'lookback 0 with old watermark',
      input: windowInput({ watermark: '2026-03-01', lookbackDays: 0 }),
      start: '2026-03-02',
      fullSync: false,
    },
    {
      name: 'watermark ignores SYNC_START_DATE',
      input: windowInput({ watermark: '2026-03-09', syncStartDate: '2026-01-01' }),
      start: '2026-03-07',
      fullSync: false,
    },
  ])('$name', ({ input, start, fullSync }) => {
    // Act
    const window = planWindow(input);

    // Assess
    expect(window.start).toBe(start);
    expect(window.end).toBe(TODAY);
    expect(window.fullSync).toBe(fullSync);
    expect(window.requests[0]?.start).toBe(start);
    expect(window.requests.at(-1)?.end).toBe(TODAY);
  });

  test('default full sync takes three requests', () => {
    // Act
    const window = planWindow(windowInput({}));

    // Assess
    expect(window.requests).toEqual([
      { start: '2025-12-11', end: '2026-01-09' },
      { start: '2026-01-10', end: '2026-02-08' },
      { start: '2026-02-09', end: '2026-03-10' },
    ]);
  });

  test('lookback window fits one request', () => {
    // Act
    const window = planWindow(windowInput({ watermark: '2026-03-09' }));

    // Assess
    expect(window.requests).toEqual([{ start: '2026-03-07', end: TODAY }]);
  });

  test('requests follow daysPerRequest', () => {
    // Act
    const window = planWindow(windowInput({ watermark: '2026-02-28', daysPerRequest: 5 }));

    // Assess
    expect(window.requests).toEqual([
      { start: '2026-03-01', end: '2026-03-05' },
      { start: '2026-03-06', end: TODAY },
    ]);
  });
});

describe('splitRange', () => {
  test.each([
    { name: '90 days by 30', range: { start: '2025-12-11', end: '2026-03-10' }, daysPerRequest: 30, count: 3, size: 30 },
    { name: '1 day', range: { start: TODAY, end: TODAY }, daysPerRequest: 30, count: 1, size: 30 },
    { name: '31 days by 30', range: { start: '2026-01-01', end: '2026-01-31' }, daysPerRequest: 30, count: 2, size: 30 },
    { name: '400 days by 30', range: { start: '2025-01-01', end: '2026-02-04' }, daysPerRequest: 30, count: 14, size: 30 },
    { name: '45 per request capped at 30', range: { start: '2026-01-01', end: '2026-02-14' }, daysPerRequest: 45, count: 2, size: 30 },
    { name: '10 days by 3', range: { start: '2026-03-01', end: '2026-03-10' }, daysPerRequest: 3, count: 4, size: 3 },
    { name: 'leap day by 2', range: { start: '2024-02-27', end: '2024-03-02' }, daysPerRequest: 2, count: 3, size: 2 },
    { name: 'zero per request means 1', range: { start: '2026-03-08', end: '2026-03-10' }, daysPerRequest: 0, count: 3, size: 1 },
    { name: 'fraction rounds down', range: { start: '2026-03-01', end: '2026-03-10' }, daysPerRequest: 4.9, count: 3, size: 4 },
  ])('$name', ({ range, daysPerRequest, count, size }) => {
    // Act
    const requests = splitRange(range, daysPerRequest);

    // Assess
    expect(requests).toHaveLength(count);
    expect(requests[0]?.start).toBe(range.start);
    expect(requests.at(-1)?.end).toBe(range.end);
    for (const [index, request] of requests.entries()) {
      expect(request.start <= request.end, `request ${index} starts after it ends`).toBe(true);
      expect(lengthInDays(request), `length of request ${index}`).toBeLessThanOrEqual(size);
      expect(lengthInDays(request), `length of request ${index}`).toBeLessThanOrEqual(30);
    }
    for (let index = 1; index < requests.length; index += 1) {
      const previous = requests[index - 1] as DateRange;
      expect(requests[index]?.start, `start of request ${index}`).toBe(nextDay(previous.end));
    }
    const totalDays = requests.reduce((sum, request) => sum + lengthInDays(request), 0);
    expect(totalDays).toBe(lengthInDays(range));
  });

  test('90 days gives 30-day requests', () => {
    // Act
    const requests = splitRange({ start: '2025-12-11', end: '2026-03-10' }, 30);

    // Assess
    expect(requests.map(lengthInDays)).toEqual([30, 30, 30]);
  });

  test('1 day gives one request', () => {
    // Act
    const requests = splitRange({ start: TODAY, end: TODAY }, 30);

    // Assess
    expect(requests).toEqual([{ start: TODAY, end: TODAY }]);
  });

  test('only the last request is short', () => {
    // Act
    const requests = splitRange({ start: '2026-01-01', end: '2026-03-10' }, 30);

    // Assess
    expect(requests.map(lengthInDays)).toEqual([30, 30, 9]);
  });

  test('end before start gives none', () => {
    // Act
    const requests = splitRange({ start: '2026-03-10', end: '2026-03-09' }, 30);

    // Assess
    expect(requests).toEqual([]);
  });
});

describe('daysPerRequestForTeam', () => {
  test.each([
    { teamSize: 0, days: 30 },
    { teamSize: 1, days: 30 },
    { teamSize: 100, days: 30 },
    { teamSize: 1_666, days: 30 },
    { teamSize: 2_000, days: 25 },
    { teamSize: 10_000, days: 5 },
    { teamSize: 50_000, days: 1 },
    { teamSize: 50_001, days: 1 },
    { teamSize: 1_000_000_000, days: 1 },
  ])('team of $teamSize gets $days days', ({ teamSize, days }) => {
    // Act
    const result = daysPerRequestForTeam(teamSize);

    // Assess
    expect(result).toBe(days);
  });
});
