import { describe, expect, test } from 'vitest';
import { InvalidFaultsError } from '../../simulator/errors';
import { FaultState } from '../../simulator/faultState';
import { MALFORMED_RECORD_KINDS, parseFaults } from '../../simulator/faults';
import { malformRecord, REJECTED_KINDS } from '../../simulator/malformedRecords';
import { createTeam } from '../../simulator/team';
import { generateUsage } from '../../simulator/usage';
import { emailCaseVariant } from '../../simulator/usageResponse';

describe('parseFaults', () => {
  test('empty set is valid', () => {
    expect(parseFaults({})).toEqual({});
  });

  test('fills defaults', () => {
    // Act
    const faults = parseFaults({ tooManyRequests: {}, serverErrors: { probability: 0.5 }, dropConnection: {}, neverComplete: { count: 1 } });

    // Assess
    expect(faults.tooManyRequests).toEqual({ retryAfter: 'seconds', retryAfterSeconds: 30 });
    expect(faults.serverErrors).toEqual({ probability: 0.5, status: 500 });
    expect(faults.dropConnection).toEqual({ afterBytes: 1024 });
    expect(faults.neverComplete).toEqual({ afterBytes: 1024, count: 1 });
  });

  test.each([
    { name: 'unknown top-level key', value: { outage: 5 }, message: 'unknown key "outage" in the fault set' },
    { name: 'unknown nested key', value: { tooManyRequests: { times: 2 } }, message: 'unknown key "times" in "tooManyRequests"' },
    { name: 'not an object', value: [], message: 'the fault set' },
    { name: 'probability above 1', value: { serverErrors: { probability: 1.5 } }, message: '"serverErrors.probability"' },
    { name: 'status below 500', value: { serverErrors: { probability: 1, status: 404 } }, message: '"serverErrors.status"' },
    { name: 'negative latency', value: { latencyMs: -1 }, message: '"latencyMs"' },
    { name: 'zero count', value: { malformedBody: { kind: 'notJson', count: 0 } }, message: '"malformedBody.count"' },
    { name: 'unknown body kind', value: { malformedBody: { kind: 'xml' } }, message: '"malformedBody.kind"' },
    { name: 'unknown record kind', value: { malformedRecords: ['negativeCount', 'hugeCount'] }, message: '"malformedRecords.1"' },
    { name: 'retry-after form', value: { tooManyRequests: { retryAfter: 'minutes' } }, message: '"tooManyRequests.retryAfter"' },
    { name: 'outage zero seconds', value: { outageSeconds: 0 }, message: '"outageSeconds"' },
    { name: 'flag not boolean', value: { unicodeNames: 'yes' }, message: '"unicodeNames"' },
  ])('rejects $name', ({ value, message }) => {
    // Act
    const parse = (): unknown => parseFaults(value);

    // Assess
    expect(parse).toThrow(InvalidFaultsError);
    expect(parse).toThrow(message);
  });
});

describe('FaultState', () => {
  test('counted fault expires after its requests', () => {
    // Arrange
    const state = new FaultState(42);
    state.replace(parseFaults({ tooManyRequests: { count: 2 } }));

    // Act
    const taken = [state.takeTooManyRequests(), state.takeTooManyRequests(), state.takeTooManyRequests()];

    // Assess
    expect(taken.map((fault) => fault !== null)).toEqual([true, true, false]);
    expect(state.snapshot().faults).toEqual({});
  });

  test('uncounted fault applies to every request', () => {
    // Arrange
    const state = new FaultState(42);
    state.replace(parseFaults({ malformedBody: { kind: 'truncatedJson' } }));

    // Act
    const taken = Array.from({ length: 5 }, () => state.takeMalformedBody());

    // Assess
    expect(taken).toEqual(Array(5).fill('truncatedJson'));
  });

  test('drop comes before never-complete', () => {
    // Arrange
    const state = new FaultState(42);
    state.replace(parseFaults({ dropConnection: { count: 1, afterBytes: 10 }, neverComplete: { afterBytes: 20 } }));

    // Act
    const first = state.takePartialBody();
    const second = state.takePartialBody();

    // Assess
    expect(first).toEqual({ kind: 'drop', afterBytes: 10 });
    expect(second).toEqual({ kind: 'stall', afterBytes: 20 });
  });

  test('outage ends after its seconds', () => {
    // Arrange
    let clockMs = 1_000_000;
    const state = new FaultState(42, () => clockMs);
    state.replace(parseFaults({ outageSeconds: 60 }));

    // Act
    const atStart = state.outageRemainingMs();
    clockMs += 59_999;
    const beforeEnd = state.outageRemainingMs();
    clockMs += 1;
    const atEnd = state.outageRemainingMs();

    // Assess
    expect(atStart).toBe(60_000);
    expect(beforeEnd).toBe(1);
    expect(atEnd).toBe(0);
    expect(state.snapshot()).toEqual({ faults: {}, outageEndsAt: null });
  });

  test.each([
    { probability: 0, minimum: 0, maximum: 0 },
    { probability: 0.3, minimum: 200, maximum: 400 },
    { probability: 1, minimum: 1000, maximum: 1000 },
  ])('server errors at probability $probability', ({ probability, minimum, maximum }) => {
    // Arrange
    const state = new FaultState(42);
    state.replace(parseFaults({ serverErrors: { probability, status: 502 } }));

    // Act
    const statuses = Array.from({ length: 1000 }, () => state.drawServerErrorStatus());

    // Assess
    const errors = statuses.filter((status) => status !== null);
    expect(errors.length).toBeGreaterThanOrEqual(minimum);
    expect(errors.length).toBeLessThanOrEqual(maximum);
    expect(errors.filter((status) => status !== 502)).toEqual([]);
  });

  test('server error draws repeat after replace', () => {
    // Arrange
    const state = new FaultState(42);
    const faults = parseFaults({ serverErrors: { probability: 0.5 } });

    // Act
    state.replace(faults);
    const first = Array.from({ length: 50 }, () => state.drawServerErrorStatus());
    state.replace(faults);
    const second = Array.from({ length: 50 }, () => state.drawServerErrorStatus());

    // Assess
    expect(second).toEqual(first);
  });
});

describe('malformRecord', () => {
  const now = new Date('2025-06-18T14:30:00Z');
  const team = createTeam({ seed: 42, developers: 5, historyDays: 90 });
  const record = [...generateUsage(team, now.getTime() - 5 * 86_400_000, now.getTime(), now)].find((candidate) => candidate.isActive)!;

  test.each([
    { kind: 'negativeCount', field: 'totalLinesAdded', check: (value: unknown) => typeof value === 'number' && value < 0 },
    { kind: 'fractionalCount', field: 'totalApplies', check: (value: unknown) => typeof value === 'number' && !Number.isInteger(value) },
    { kind: 'countAsString', field: 'totalTabsShown', check: (value: unknown) => typeof value === 'string' && /^\d+$/.test(value) },
    { kind: 'countAboveInt32', field: 'totalLinesDeleted', check: (value: unknown) => value === 2_147_483_648 },
    { kind: 'missingEmail', field: 'email', check: (value: unknown) => value === undefined },
    { kind: 'invalidEmail', field: 'email', check: (value: unknown) => typeof value === 'string' && !value.includes('@') },
    { kind: 'missingDate', field: 'date', check: (value: unknown) => value === undefined },
    { kind: 'invalidDate', field: 'date', check: (value: unknown) => typeof value === 'string' && Number.isNaN(Date.parse(value)) },
    { kind: 'nullFields', field: 'mostUsedModel', check: (value: unknown) => value === null },
    { kind: 'missingFields', field: 'clientVersion', check: (value: unknown) => value === undefined },
    { kind: 'unknownField', field: 'experimentalScore', check: (value: unknown) => value === 0.42 },
  ] as const)('$kind changes $field', ({ kind, field, check }) => {
    // Act
    const malformed = malformRecord(record, kind);

    // Assess
    expect(check(malformed[field])).toBe(true);
    expect(record.email).toMatch(/@/);
  });

  test('every kind is covered and classified', () => {
    expect(MALFORMED_RECORD_KINDS.length).toBe(11);
    expect([...REJECTED_KINDS].filter((kind) => !MALFORMED_RECORD_KINDS.includes(kind))).toEqual([]);
    expect(MALFORMED_RECORD_KINDS.filter((kind) => !REJECTED_KINDS.has(kind))).toEqual(['nullFields', 'missingFields', 'unknownField']);
  });
});

describe('emailCaseVariant', () => {
  test.each([
    { day: 20_256, email: 'jonas.schneider@example.com' },
    { day: 20_257, email: 'Jonas.Schneider@Example.com' },
    { day: 20_258, email: 'JONAS.SCHNEIDER@EXAMPLE.COM' },
  ])('day $day gives $email', ({ day, email }) => {
    // Act
    const variant = emailCaseVariant('jonas.schneider@example.com', day * 86_400_000);

    // Assess
    expect(variant).toBe(email);
  });
});
