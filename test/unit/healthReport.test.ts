import { describe, expect, test } from 'vitest';
import { databaseUnreachableHealth, httpStatusFor, rateSyncHealth, type HealthDocument } from '../../lib/healthReport';
import type { SyncStateWithLastRun } from '../../lib/sql/readSyncState';

const NOW = new Date('2026-03-10T12:00:00Z');
const DATABASE_LATENCY_MS = 12;

const CHECK_KEYS = [
  'sync:watermark',
  'sync:lastSuccess',
  'sync:consecutiveFailures',
  'sync:nextAttempt',
  'sync:state',
  'sync:lastRun',
  'database:connection',
];
const ISO_UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const STATUSES = ['pass', 'warn', 'fail'];

/** Builds a healthy state after a successful cycle 30 s before NOW. Overrides describe the case. */
function syncState(overrides: Partial<SyncStateWithLastRun> = {}): SyncStateWithLastRun {
  return {
    watermark: '2026-03-09',
    lastAttemptAt: new Date('2026-03-10T11:59:30Z'),
    lastSuccessAt: new Date('2026-03-10T11:59:30Z'),
    consecutiveFailures: 0,
    nextAttemptAt: null,
    state: 'healthy',
    lastError: null,
    lastRunId: 'run-7f3c',
    leaseOwner: null,
    leaseExpiresAt: null,
    lastRunOutcome: 'success',
    ...overrides,
  };
}

/** Builds the state after `failures` failed cycles in a row, the last one 30 s before NOW. */
function failingState(failures: number, overrides: Partial<SyncStateWithLastRun> = {}): SyncStateWithLastRun {
  return syncState({
    lastSuccessAt: new Date('2026-03-10T11:00:00Z'),
    consecutiveFailures: failures,
    nextAttemptAt: new Date('2026-03-10T12:04:30Z'),
    state: failures >= 10 ? 'degraded' : 'backing_off',
    lastError: 'upstream server error: HTTP 503 from /teams/daily-usage-data',
    lastRunOutcome: 'failure',
    ...overrides,
  });
}

function firstCheck(document: HealthDocument, key: string) {
  const check = document.checks[key]?.[0];
  if (check === undefined) {
    throw new Error(`expected the check "${key}" in the health document`);
  }
  return check;
}

describe('rateSyncHealth status', () => {
  test.each([
    { name: 'healthy, watermark today-1', state: syncState({ watermark: '2026-03-09' }), status: 'pass' },
    { name: 'healthy, watermark today-2', state: syncState({ watermark: '2026-03-08' }), status: 'pass' },
    { name: 'healthy, watermark today-3', state: syncState({ watermark: '2026-03-07' }), status: 'warn' },
    { name: 'healthy, watermark last year', state: syncState({ watermark: '2025-03-09' }), status: 'warn' },
    {
      name: 'no success yet',
      state: syncState({ watermark: null, lastSuccessAt: null, lastRunOutcome: null }),
      status: 'warn',
    },
    {
      name: 'first cycle running',
      state: syncState({ watermark: null, lastSuccessAt: null, lastRunOutcome: 'running' }),
      status: 'warn',
    },
    { name: 'backing off once', state: failingState(1), status: 'warn' },
    { name: 'backing off 9 times', state: failingState(9), status: 'warn' },
    { name: 'degraded', state: failingState(10), status: 'fail' },
    { name: 'degraded, watermark current', state: failingState(12, { watermark: '2026-03-09' }), status: 'fail' },
    { name: 'no state row', state: null, status: 'warn' },
  ])('$name gives $status', ({ state, status }) => {
    // Act
    const document = rateSyncHealth(state, NOW, DATABASE_LATENCY_MS);

    // Assess
    expect(document.status).toBe(status);
  });
});

describe('rateSyncHealth checks', () => {
  const cases = [
    { name: 'healthy', state: syncState() },
    { name: 'backing off', state: failingState(3) },
    { name: 'degraded', state: failingState(10) },
    { name: 'no success yet', state: syncState({ watermark: null, lastSuccessAt: null, lastRunOutcome: null }) },
    { name: 'no state row', state: null },
  ];

  test.each(cases)('$name has exactly the keys', ({ state }) => {
    // Act
    const document = rateSyncHealth(state, NOW, DATABASE_LATENCY_MS);

    // Assess
    expect(Object.keys(document.checks).sort()).toEqual([...CHECK_KEYS].sort());
  });

  test.each(cases)('$name checks have status and time', ({ state }) => {
    // Act
    const document = rateSyncHealth(state, NOW, DATABASE_LATENCY_MS);

    // Assess
    for (const key of CHECK_KEYS) {
      const entries = document.checks[key];
      expect(Array.isArray(entries), `${key} is an array`).toBe(true);
      expect(entries?.length, `${key} entries`).toBeGreaterThan(0);
      for (const entry of entries ?? []) {
        expect(STATUSES, `${key} status`).toContain(entry.status);
        expect(entry.time, `${key} time`).toMatch(ISO_UTC_TIME);
        expect(entry.time, `${key} time`).toBe(NOW.toISOString());
      }
    }
  });

  test.each(cases)('$name watermark is a date', ({ state }) => {
    // Act
    const document = rateSyncHealth(state, NOW, DATABASE_LATENCY_MS);
    const watermark = firstCheck(document, 'sync:watermark').observedValue;

    // Assess
    if (state?.watermark == null) {
      expect(watermark).toBeNull();
    } else {
      expect(watermark).toMatch(ISO_DATE);
    }
  });

  test.each(cases)('$name failures are an integer', ({ state }) => {
    // Act
    const document = rateSyncHealth(state, NOW, DATABASE_LATENCY_MS);
    const failures = firstCheck(document, 'sync:consecutiveFailures').observedValue;

    // Assess
    expect(Number.isInteger(failures)).toBe(true);
    expect(failures).toBe(state?.consecutiveFailures ?? 0);
  });

  test.each(cases)('$name times are ISO UTC', ({ state }) => {
    // Act
    const document = rateSyncHealth(state, NOW, DATABASE_LATENCY_MS);

    // Assess
    for (const key of ['sync:lastSuccess', 'sync:nextAttempt']) {
      const observed = firstCheck(document, key).observedValue;
      if (observed !== null) {
        expect(observed, key).toMatch(ISO_UTC_TIME);
      }
    }
  });

  test('healthy observed values', () => {
    // Act
    const document = rateSyncHealth(syncState(), NOW, DATABASE_LATENCY_MS);

    // Assess
    expect(firstCheck(document, 'sync:watermark').observedValue).toBe('2026-03-09');
    expect(firstCheck(document, 'sync:lastSuccess').observedValue).toBe('2026-03-10T11:59:30.000Z');
    expect(firstCheck(document, 'sync:consecutiveFailures').observedValue).toBe(0);
    expect(firstCheck(document, 'sync:nextAttempt').observedValue).toBeNull();
    expect(firstCheck(document, 'sync:state').observedValue).toBe('healthy');
    expect(firstCheck(document, 'sync:lastRun').observedValue).toBe('run-7f3c');
    expect(firstCheck(document, 'database:connection').observedValue).toBe(DATABASE_LATENCY_MS);
    expect(firstCheck(document, 'database:connection').observedUnit).toBe('ms');
  });

  test('healthy checks all pass', () => {
    // Act
    const document = rateSyncHealth(syncState(), NOW, DATABASE_LATENCY_MS);

    // Assess
    for (const key of CHECK_KEYS) {
      expect(firstCheck(document, key).status, key).toBe('pass');
    }
  });

  test('degraded check statuses', () => {
    // Act
    const document = rateSyncHealth(failingState(10), NOW, DATABASE_LATENCY_MS);

    // Assess
    expect(firstCheck(document, 'sync:state').status).toBe('fail');
    expect(firstCheck(document, 'sync:consecutiveFailures').status).toBe('fail');
    expect(firstCheck(document, 'sync:lastRun').status).toBe('fail');
    expect(firstCheck(document, 'database:connection').status).toBe('pass');
  });

  test('backing off reports last error', () => {
    // Prepare
    const state = failingState(3);

    // Act
    const document = rateSyncHealth(state, NOW, DATABASE_LATENCY_MS);

    // Assess
    expect(firstCheck(document, 'sync:consecutiveFailures').status).toBe('warn');
    expect(firstCheck(document, 'sync:consecutiveFailures').output).toBe(state.lastError);
    expect(firstCheck(document, 'sync:nextAttempt').observedValue).toBe('2026-03-10T12:04:30.000Z');
    expect(firstCheck(document, 'sync:state').observedValue).toBe('backing_off');
  });

  test('old watermark check warns', () => {
    // Act
    const document = rateSyncHealth(syncState({ watermark: '2026-03-07' }), NOW, DATABASE_LATENCY_MS);

    // Assess
    expect(firstCheck(document, 'sync:watermark').status).toBe('warn');
    expect(firstCheck(document, 'sync:state').status).toBe('pass');
  });

  test('no state row explains itself', () => {
    // Act
    const document = rateSyncHealth(null, NOW, DATABASE_LATENCY_MS);

    // Assess
    expect(document.output).toEqual(expect.any(String));
    expect(firstCheck(document, 'sync:watermark').observedValue).toBeNull();
    expect(firstCheck(document, 'sync:state').observedValue).toBeNull();
    expect(firstCheck(document, 'database:connection').status).toBe('pass');
  });
});

describe('httpStatusFor', () => {
  test.each([
    { status: 'pass', httpStatus: 200 },
    { status: 'warn', httpStatus: 200 },
    { status: 'fail', httpStatus: 503 },
  ] as const)('$status gives $httpStatus', ({ status, httpStatus }) => {
    // Act
    const result = httpStatusFor(status);

    // Assess
    expect(result).toBe(httpStatus);
  });
});

describe('databaseUnreachableHealth', () => {
  const output = 'database unreachable: connect ECONNREFUSED 127.0.0.1:5432';

  test('status is fail', () => {
    // Act
    const document = databaseUnreachableHealth(NOW, output);

    // Assess
    expect(document.status).toBe('fail');
    expect(httpStatusFor(document.status)).toBe(503);
  });

  test('only database connection reported', () => {
    // Act
    const document = databaseUnreachableHealth(NOW, output);

    // Assess
    expect(Object.keys(document.checks)).toEqual(['database:connection']);
  });

  test('connection check fails with output', () => {
    // Act
    const document = databaseUnreachableHealth(NOW, output);
    const check = firstCheck(document, 'database:connection');

    // Assess
    expect(document.checks['database:connection']).toHaveLength(1);
    expect(check.status).toBe('fail');
    expect(check.time).toBe('2026-03-10T12:00:00.000Z');
    expect(check.output).toBe(output);
  });
});
