import { describe, expect, test } from 'vitest';
import { createTeam, listMembers, MODELS, EXTENSIONS, type Team } from '../../simulator/team';
import { DAY_MS, HOUR_MS, dayNumberOf, weekdayOf } from '../../simulator/time';
import { COUNT_FIELDS, generateUsage, type UsageRecord } from '../../simulator/usage';

// A Wednesday afternoon.
const NOW = new Date('2025-06-18T14:30:00Z');
const TODAY = dayNumberOf(NOW.getTime());
const DEFAULT_TEAM = createTeam({ seed: 42, developers: 100, historyDays: 90 });

function usageOfDays(team: Team, firstDay: number, lastDay: number, now: Date): UsageRecord[] {
  return [...generateUsage(team, firstDay * DAY_MS, lastDay * DAY_MS, now)];
}

function atHour(day: number, hour: number): Date {
  return new Date(day * DAY_MS + hour * HOUR_MS);
}

function byEmail(records: UsageRecord[]): Map<string, UsageRecord> {
  return new Map(records.map((record) => [record.email, record]));
}

describe('generateUsage determinism', () => {
  test.each([
    { name: 'same seed and clock', seedA: 42, seedB: 42, identical: true },
    { name: 'different seeds', seedA: 42, seedB: 43, identical: false },
  ])('$name', ({ seedA, seedB, identical }) => {
    // Arrange
    const teamA = createTeam({ seed: seedA, developers: 50, historyDays: 90 });
    const teamB = createTeam({ seed: seedB, developers: 50, historyDays: 90 });

    // Act
    const first = JSON.stringify(usageOfDays(teamA, TODAY - 29, TODAY, NOW));
    const second = JSON.stringify(usageOfDays(teamB, TODAY - 29, TODAY, NOW));

    // Assess
    expect(first === second).toBe(identical);
  });

  test.each([
    { name: 'start and end of one hour', clockA: '2025-06-18T14:00:00.000Z', clockB: '2025-06-18T14:59:59.999Z', identical: true },
    { name: 'next hour', clockA: '2025-06-18T14:59:59.999Z', clockB: '2025-06-18T15:00:00.000Z', identical: false },
  ])('clock truncated to hour: $name', ({ clockA, clockB, identical }) => {
    // Act
    const first = JSON.stringify(usageOfDays(DEFAULT_TEAM, TODAY - 5, TODAY, new Date(clockA)));
    const second = JSON.stringify(usageOfDays(DEFAULT_TEAM, TODAY - 5, TODAY, new Date(clockB)));

    // Assess
    expect(first === second).toBe(identical);
  });

  test('day values independent of window cut', () => {
    // Arrange
    const whole = usageOfDays(DEFAULT_TEAM, TODAY - 29, TODAY, NOW);

    // Act
    const pieces = [
      ...usageOfDays(DEFAULT_TEAM, TODAY - 29, TODAY - 20, NOW),
      ...usageOfDays(DEFAULT_TEAM, TODAY - 19, TODAY - 11, NOW),
      ...usageOfDays(DEFAULT_TEAM, TODAY - 10, TODAY - 10, NOW),
      ...usageOfDays(DEFAULT_TEAM, TODAY - 9, TODAY, NOW),
    ];

    // Assess
    expect(pieces.length).toBe(whole.length);
    expect(JSON.stringify(pieces) === JSON.stringify(whole)).toBe(true);
  });
});

describe('generateUsage window', () => {
  test.each([
    { name: 'start just after midnight skips that day', startMs: (TODAY - 3) * DAY_MS + 1, endMs: TODAY * DAY_MS, days: [TODAY - 2, TODAY - 1, TODAY] },
    { name: 'end just before midnight skips that day', startMs: (TODAY - 3) * DAY_MS, endMs: TODAY * DAY_MS - 1, days: [TODAY - 3, TODAY - 2, TODAY - 1] },
    { name: 'single instant at midnight', startMs: (TODAY - 7) * DAY_MS, endMs: (TODAY - 7) * DAY_MS, days: [TODAY - 7] },
    { name: 'future days are empty', startMs: (TODAY + 1) * DAY_MS, endMs: (TODAY + 5) * DAY_MS, days: [] },
    { name: 'days before the history are empty', startMs: (TODAY - 120) * DAY_MS, endMs: (TODAY - 90) * DAY_MS, days: [] },
    { name: 'history starts 89 days ago', startMs: (TODAY - 95) * DAY_MS, endMs: (TODAY - 88) * DAY_MS, days: [TODAY - 89, TODAY - 88] },
  ])('$name', ({ startMs, endMs, days }) => {
    // Act
    const records = [...generateUsage(DEFAULT_TEAM, startMs, endMs, NOW)];

    // Assess
    const recordDays = [...new Set(records.map((record) => record.date / DAY_MS))];
    expect(recordDays).toEqual(days);
  });

  test('one record per developer in team per day', () => {
    // Act
    const records = usageOfDays(DEFAULT_TEAM, TODAY - 89, TODAY, NOW);

    // Assess
    for (let day = TODAY - 89; day <= TODAY; day += 1) {
      const emails = records.filter((record) => record.date === day * DAY_MS).map((record) => record.email);
      const expected = DEFAULT_TEAM.developers
        .filter((developer) => developer.joinedDaysAgo === null || day >= TODAY - developer.joinedDaysAgo)
        .filter((developer) => developer.departedDaysAgo === null || day <= TODAY - developer.departedDaysAgo)
        .map((developer) => developer.email);
      expect(emails).toEqual(expected);
    }
  });
});

describe('generateUsage coverage', () => {
  test.each([
    { seed: 42, developers: 100, historyDays: 90, clock: '2025-06-18T14:30:00Z' },
    { seed: 42, developers: 100, historyDays: 90, clock: '2026-01-01T00:00:00Z' },
    { seed: 7, developers: 100, historyDays: 90, clock: '2025-03-02T23:00:00Z' },
    { seed: 1, developers: 500, historyDays: 90, clock: '2025-06-18T09:00:00Z' },
    { seed: 3, developers: 20, historyDays: 7, clock: '2025-06-18T09:00:00Z' },
    { seed: 3, developers: 5, historyDays: 1, clock: '2025-06-18T09:00:00Z' },
  ])('all $developers developers seen in $historyDays days (seed $seed, $clock)', ({ seed, developers, historyDays, clock }) => {
    // Arrange
    const team = createTeam({ seed, developers, historyDays });
    const now = new Date(clock);
    const today = dayNumberOf(now.getTime());
    const emails = new Set<string>();

    // Act: the client asks for at most 30 days at a time, oldest first.
    for (let firstDay = today - historyDays + 1; firstDay <= today; firstDay += 30) {
      for (const record of usageOfDays(team, firstDay, Math.min(firstDay + 29, today), now)) {
        emails.add(record.email);
      }
    }

    // Assess
    expect(emails.size).toBe(developers);
  });

  test('departed member keeps history', () => {
    // Arrange
    const memberEmails = new Set(listMembers(DEFAULT_TEAM).map((member) => member.email));
    const departed = DEFAULT_TEAM.developers.filter((developer) => developer.departedDaysAgo !== null);

    // Act
    const records = usageOfDays(DEFAULT_TEAM, TODAY - 89, TODAY, NOW);

    // Assess
    expect(departed.length).toBeGreaterThanOrEqual(1);
    for (const developer of departed) {
      const days = records.filter((record) => record.email === developer.email).map((record) => record.date / DAY_MS);
      expect(memberEmails.has(developer.email)).toBe(false);
      expect(developer.departedDaysAgo).toBeGreaterThanOrEqual(1);
      expect(days.length).toBeGreaterThan(0);
      expect(Math.max(...days)).toBe(TODAY - developer.departedDaysAgo!);
    }
  });
});

describe('generateUsage values', () => {
  const clocks = [0, 1, 9, 14, 23].map((hour) => atHour(TODAY, hour));

  test.each(clocks.map((clock) => ({ clock: clock.toISOString() })))('accepted never above total at $clock', ({ clock }) => {
    // Act
    const records = usageOfDays(DEFAULT_TEAM, TODAY - 89, TODAY, new Date(clock));

    // Assess
    const violations = records.filter(
      (record) =>
        record.totalTabsAccepted > record.totalTabsShown ||
        record.acceptedLinesAdded > record.totalLinesAdded ||
        record.acceptedLinesDeleted > record.totalLinesDeleted ||
        record.totalAccepts + record.totalRejects > record.totalApplies,
    );
    expect(records.length).toBeGreaterThan(8000);
    expect(violations).toEqual([]);
  });

  test('counts are non-negative integers', () => {
    // Act
    const records = usageOfDays(DEFAULT_TEAM, TODAY - 89, TODAY, NOW);

    // Assess
    const invalid = records.filter((record) => COUNT_FIELDS.some((field) => !Number.isInteger(record[field]) || record[field] < 0));
    expect(invalid).toEqual([]);
  });

  test('inactive days have zero counts and no texts', () => {
    // Act
    const records = usageOfDays(DEFAULT_TEAM, TODAY - 89, TODAY, NOW);
    const inactive = records.filter((record) => !record.isActive);
    const active = records.filter((record) => record.isActive);

    // Assess
    expect(inactive.length).toBeGreaterThan(1000);
    expect(inactive.filter((record) => COUNT_FIELDS.some((field) => record[field] !== 0))).toEqual([]);
    expect(inactive.filter((record) => record.mostUsedModel !== null || record.clientVersion !== null)).toEqual([]);
    expect(active.filter((record) => COUNT_FIELDS.every((field) => record[field] === 0))).toEqual([]);
  });

  test('texts are realistic and sometimes null', () => {
    // Act
    const active = usageOfDays(DEFAULT_TEAM, TODAY - 89, TODAY - 1, NOW).filter((record) => record.isActive);

    // Assess
    const models = active.map((record) => record.mostUsedModel);
    const versions = active.map((record) => record.clientVersion);
    expect(models.filter((model) => model !== null && !MODELS.includes(model))).toEqual([]);
    expect(models.filter((model) => model === null).length).toBeGreaterThan(0);
    expect(active.filter((record) => record.applyMostUsedExtension !== null && !EXTENSIONS.includes(record.applyMostUsedExtension))).toEqual([]);
    expect(active.filter((record) => record.tabMostUsedExtension !== null && !EXTENSIONS.includes(record.tabMostUsedExtension))).toEqual([]);
    expect(versions.filter((version) => version !== null && !/^1\.\d+\.\d$/.test(version))).toEqual([]);
    expect(versions.filter((version) => version === null).length).toBeGreaterThan(0);
  });

  test('weekends mostly inactive', () => {
    // Act
    const records = usageOfDays(DEFAULT_TEAM, TODAY - 89, TODAY - 1, NOW);

    // Assess
    const activeShare = (weekend: boolean): number => {
      const days = records.filter((record) => [0, 6].includes(weekdayOf(record.date / DAY_MS)) === weekend);
      return days.filter((record) => record.isActive).length / days.length;
    };
    expect(activeShare(false)).toBeGreaterThan(0.5);
    expect(activeShare(true)).toBeLessThan(0.15);
    expect(activeShare(true)).toBeGreaterThan(0);
  });
});

describe('generateUsage hourly aggregation', () => {
  test("today's counts grow hour by hour", () => {
    // Act
    const hours = Array.from({ length: 24 }, (_, hour) => byEmail(usageOfDays(DEFAULT_TEAM, TODAY, TODAY, atHour(TODAY, hour))));

    // Assess
    const decreases: string[] = [];
    for (let hour = 1; hour < 24; hour += 1) {
      for (const [email, record] of hours[hour]!) {
        const earlier = hours[hour - 1]!.get(email)!;
        for (const field of COUNT_FIELDS) {
          if (record[field] < earlier[field]) {
            decreases.push(`${email} ${field} at ${hour}:00`);
          }
        }
        if (earlier.isActive && !record.isActive) {
          decreases.push(`${email} isActive at ${hour}:00`);
        }
      }
    }
    expect(decreases).toEqual([]);
    const tabsAt = (hour: number): number => [...hours[hour]!.values()].reduce((sum, record) => sum + record.totalTabsShown, 0);
    expect(tabsAt(0)).toBe(0);
    expect(tabsAt(12)).toBeGreaterThan(tabsAt(6));
    expect(tabsAt(23)).toBeGreaterThan(tabsAt(12));
  });

  test('midnight hour shows no usage for today', () => {
    // Act
    const records = usageOfDays(DEFAULT_TEAM, TODAY, TODAY, atHour(TODAY, 0));

    // Assess
    expect(records.length).toBeGreaterThan(90);
    expect(records.filter((record) => record.isActive)).toEqual([]);
  });

  test.each([
    { daysAgo: 1, restated: true },
    { daysAgo: 2, restated: true },
    { daysAgo: 3, restated: false },
    { daysAgo: 10, restated: false },
  ])('day today - $daysAgo restated: $restated', ({ daysAgo, restated }) => {
    // Arrange
    const day = TODAY - daysAgo;

    // Act
    const hours = Array.from({ length: 24 }, (_, hour) => byEmail(usageOfDays(DEFAULT_TEAM, day, day, atHour(TODAY, hour))));
    const final = byEmail(usageOfDays(DEFAULT_TEAM, day, day, atHour(TODAY + 5, 0)));

    // Assess: counts never decrease, never exceed the final values, and change only while restated.
    const violations: string[] = [];
    let changes = 0;
    for (let hour = 1; hour < 24; hour += 1) {
      for (const [email, record] of hours[hour]!) {
        const earlier = hours[hour - 1]!.get(email)!;
        for (const field of COUNT_FIELDS) {
          if (record[field] < earlier[field]) {
            violations.push(`${email} ${field} decreased at ${hour}:00`);
          }
          if (record[field] > final.get(email)![field]) {
            violations.push(`${email} ${field} above final at ${hour}:00`);
          }
          changes += record[field] === earlier[field] ? 0 : 1;
        }
      }
    }
    expect(violations).toEqual([]);
    expect(changes > 0).toBe(restated);
  });

  test('restated day converges to final values', () => {
    // Arrange
    const day = TODAY - 2;

    // Act
    const lastRestatedHour = usageOfDays(DEFAULT_TEAM, day, day, atHour(TODAY, 23));
    const firstFinalHour = byEmail(usageOfDays(DEFAULT_TEAM, day, day, atHour(TODAY + 1, 0)));
    const muchLater = byEmail(usageOfDays(DEFAULT_TEAM, day, day, atHour(TODAY + 40, 0)));

    // Assess: the roster moves with the current day, so compare developers seen at both times.
    const common = [...firstFinalHour.keys()].filter((email) => muchLater.has(email));
    expect(common.length).toBeGreaterThan(90);
    for (const email of common) {
      expect(muchLater.get(email), email).toEqual(firstFinalHour.get(email));
    }
    const linesAdded = (records: Iterable<UsageRecord>): number => [...records].reduce((sum, record) => sum + record.totalLinesAdded, 0);
    expect(linesAdded(lastRestatedHour)).toBeLessThan(linesAdded(firstFinalHour.values()));
    expect(linesAdded(lastRestatedHour)).toBeGreaterThan(linesAdded(firstFinalHour.values()) * 0.99);
  });

  test('today at 23:00 does not exceed yesterday at midnight', () => {
    // Act: the same day seen as today at its last hour, then as yesterday at the next hour.
    const lateToday = byEmail(usageOfDays(DEFAULT_TEAM, TODAY, TODAY, atHour(TODAY, 23)));
    const asYesterday = byEmail(usageOfDays(DEFAULT_TEAM, TODAY, TODAY, atHour(TODAY + 1, 0)));

    // Assess
    const violations: string[] = [];
    for (const [email, record] of lateToday) {
      for (const field of COUNT_FIELDS) {
        if (record[field] > asYesterday.get(email)![field]) {
          violations.push(`${email} ${field}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
