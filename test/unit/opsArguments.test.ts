import { describe, expect, test } from 'vitest';
import {
  DEFAULT_LISTED_RUNS,
  DEFAULT_STATUS_RUNS,
  parseBackfillRange,
  parseCommandLine,
  parseDate,
  parseRunCount,
  validateRunCount,
} from '../../lib/ops/arguments';
import { InvalidOperatorRequestError } from '../../lib/ops/errors';
import { actionOf, parseSyncRequest } from '../../lib/ops/syncRequest';

const TODAY = '2026-03-10';

/** Returns the message of the InvalidOperatorRequestError that `action` throws. */
function rejection(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOperatorRequestError);
    return (error as Error).message;
  }
  throw new Error('Expected an InvalidOperatorRequestError, but nothing was thrown.');
}

describe('parseDate', () => {
  test.each(['2026-01-31', '2024-02-29', '1999-12-31'])('accepts %s', (text) => {
    expect(parseDate('--from', text)).toBe(text);
  });

  test.each(['2026-02-30', '2025-02-29', '2026-13-01', '2026-1-31', '20260131', '2026-01-31T00:00:00Z', ' 2026-01-31', 'today', ''])(
    'rejects "%s" naming it',
    (text) => {
      const message = rejection(() => parseDate('--from', text));

      expect(message).toContain(`--from "${text}"`);
      expect(message).toContain('YYYY-MM-DD');
    },
  );
});

describe('parseBackfillRange', () => {
  test.each([
    { name: 'one day', from: '2026-03-01', to: '2026-03-01' },
    { name: 'ending today', from: '2026-02-01', to: TODAY },
    { name: 'longer than one request', from: '2025-01-01', to: '2026-03-09' },
  ])('accepts $name', ({ from, to }) => {
    expect(parseBackfillRange(from, to, TODAY)).toEqual({ start: from, end: to });
  });

  test.each([
    { name: 'invalid start', from: '2026-02-30', to: '2026-03-01', named: ['--from "2026-02-30"'] },
    { name: 'invalid end', from: '2026-03-01', to: '2026-03-32', named: ['--to "2026-03-32"'] },
    { name: 'reversed', from: '2026-03-05', to: '2026-03-01', named: ['--from 2026-03-05', '--to 2026-03-01'] },
    { name: 'end after today', from: '2026-03-01', to: '2026-03-11', named: ['--to "2026-03-11"', TODAY] },
  ])('rejects $name naming the values', ({ from, to, named }) => {
    const message = rejection(() => parseBackfillRange(from, to, TODAY));

    for (const text of named) {
      expect(message).toContain(text);
    }
  });

  test('payload field names appear in messages', () => {
    const message = rejection(() => parseBackfillRange('2026-03-05', '2026-03-01', TODAY, { from: 'from', to: 'to' }));

    expect(message).toContain('from 2026-03-05 is after to 2026-03-01');
  });
});

describe('parseRunCount', () => {
  test.each([
    { text: '1', expected: 1 },
    { text: '5', expected: 5 },
    { text: '1000', expected: 1000 },
    { text: '007', expected: 7 },
  ])('parses "$text"', ({ text, expected }) => {
    expect(parseRunCount('--last', text)).toBe(expected);
  });

  test.each(['0', '1001', '-1', '2.5', '1e3', 'ten', ''])('rejects "%s" naming it', (text) => {
    const message = rejection(() => parseRunCount('--last', text));

    expect(message).toContain(`--last "${text}"`);
    expect(message).toContain('1 to 1000');
  });

  test.each([0, 1001, 2.5, Number.NaN])('rejects the number %s', (value) => {
    expect(() => validateRunCount('last', value)).toThrow(InvalidOperatorRequestError);
  });
});

describe('parseCommandLine', () => {
  test.each([
    { argv: ['--help'], expected: { command: 'help', topic: undefined } },
    { argv: ['-h'], expected: { command: 'help', topic: undefined } },
    { argv: ['help', 'reset'], expected: { command: 'help', topic: 'reset' } },
    { argv: ['status', '--help'], expected: { command: 'help', topic: 'status' } },
    { argv: ['backfill', '-h'], expected: { command: 'help', topic: 'backfill' } },
    { argv: ['status'], expected: { command: 'status', runs: DEFAULT_STATUS_RUNS, json: false } },
    { argv: ['status', '--json', '--runs', '12'], expected: { command: 'status', runs: 12, json: true } },
    { argv: ['status', '--runs=3'], expected: { command: 'status', runs: 3, json: false } },
    { argv: ['runs'], expected: { command: 'runs', last: DEFAULT_LISTED_RUNS, json: false } },
    { argv: ['runs', '--last', '2', '--json'], expected: { command: 'runs', last: 2, json: true } },
    {
      argv: ['backfill', '--from', '2026-01-01', '--to', '2026-01-31'],
      expected: { command: 'backfill', range: { start: '2026-01-01', end: '2026-01-31' } },
    },
    {
      argv: ['backfill', '--to=2026-03-10', '--from=2026-03-10'],
      expected: { command: 'backfill', range: { start: TODAY, end: TODAY } },
    },
    { argv: ['reset', '--watermark', '2026-02-28'], expected: { command: 'reset', watermark: '2026-02-28' } },
  ])('parses $argv', ({ argv, expected }) => {
    expect(parseCommandLine(argv, TODAY)).toEqual(expected);
  });

  test.each([
    { argv: [], named: ['Missing command', 'status, runs, backfill, reset'] },
    { argv: ['purge'], named: ['Unknown command "purge"', 'status, runs, backfill, reset'] },
    { argv: ['help', 'purge'], named: ['Unknown command "purge"'] },
    { argv: ['status', '--verbose'], named: ['Unknown option "--verbose" for status'] },
    { argv: ['status', 'now'], named: ['Unexpected argument "now" for status'] },
    { argv: ['status', '--runs'], named: ['Invalid options for status', '--runs'] },
    { argv: ['status', '--runs', '0'], named: ['--runs "0"'] },
    { argv: ['runs', '--last', 'all'], named: ['--last "all"'] },
    { argv: ['runs', '--runs', '3'], named: ['Unknown option "--runs" for runs'] },
    { argv: ['backfill', '--to', '2026-01-31'], named: ['Missing --from for backfill'] },
    { argv: ['backfill', '--from', '2026-01-01'], named: ['Missing --to for backfill'] },
    { argv: ['backfill', '--form', '2026-01-01', '--to', '2026-01-31'], named: ['Unknown option "--form" for backfill'] },
    { argv: ['backfill', '--from', '2026-01-32', '--to', '2026-02-01'], named: ['--from "2026-01-32"'] },
    { argv: ['backfill', '--from', '2026-03-01', '--to', '2026-03-11'], named: ['--to "2026-03-11"'] },
    { argv: ['reset'], named: ['Missing --watermark for reset'] },
    { argv: ['reset', '--watermark', '31/01/2026'], named: ['--watermark "31/01/2026"'] },
  ])('rejects $argv', ({ argv, named }) => {
    const message = rejection(() => parseCommandLine(argv, TODAY));

    for (const text of named) {
      expect(message).toContain(text);
    }
  });
});

describe('actionOf', () => {
  test.each([
    { event: {}, expected: 'schedule' },
    { event: null, expected: 'schedule' },
    { event: { source: 'aws.events', 'detail-type': 'Scheduled Event' }, expected: 'schedule' },
    { event: { action: 'sync' }, expected: 'sync' },
    { event: { action: 'backfill' }, expected: 'backfill' },
  ])('returns $expected for $event', ({ event, expected }) => {
    expect(actionOf(event)).toBe(expected);
  });

  test.each([{ action: 'purge' }, { action: 42 }, { action: null }])('rejects $action', (event) => {
    const message = rejection(() => actionOf(event));

    expect(message).toContain(`Unknown action "${String(event.action)}"`);
  });
});

describe('parseSyncRequest', () => {
  test.each([
    { event: {}, expected: { action: 'schedule' } },
    { event: { action: 'sync' }, expected: { action: 'sync' } },
    { event: { action: 'sync', note: 'kept as before' }, expected: { action: 'sync' } },
    { event: { action: 'status' }, expected: { action: 'status', runs: DEFAULT_STATUS_RUNS } },
    { event: { action: 'status', runs: 10 }, expected: { action: 'status', runs: 10 } },
    { event: { action: 'runs' }, expected: { action: 'runs', last: DEFAULT_LISTED_RUNS } },
    { event: { action: 'runs', last: 10 }, expected: { action: 'runs', last: 10 } },
    {
      event: { action: 'backfill', from: '2026-01-01', to: '2026-01-31' },
      expected: { action: 'backfill', range: { start: '2026-01-01', end: '2026-01-31' } },
    },
    { event: { action: 'reset', watermark: '2026-02-01' }, expected: { action: 'reset', watermark: '2026-02-01' } },
  ])('parses $event', ({ event, expected }) => {
    expect(parseSyncRequest(event, TODAY)).toEqual(expected);
  });

  test.each([
    { event: { action: 'backfill', from: '2026-01-01' }, named: ['"backfill" payload', 'to', '"from":"2026-01-01"'] },
    { event: { action: 'backfill', form: '2026-01-01', to: '2026-01-31' }, named: ['form'] },
    { event: { action: 'backfill', from: 20260101, to: '2026-01-31' }, named: ['from', 'string'] },
    { event: { action: 'backfill', from: '2026-02-30', to: '2026-03-01' }, named: ['from "2026-02-30"'] },
    { event: { action: 'backfill', from: '2026-03-05', to: '2026-03-01' }, named: ['from 2026-03-05 is after to 2026-03-01'] },
    { event: { action: 'backfill', from: '2026-03-01', to: '2026-03-11' }, named: ['to "2026-03-11"', TODAY] },
    { event: { action: 'reset' }, named: ['"reset" payload', 'watermark'] },
    { event: { action: 'reset', watermark: '2026-02-29' }, named: ['watermark "2026-02-29"'] },
    { event: { action: 'runs', last: 0 }, named: ['last "0"'] },
    { event: { action: 'runs', last: '10' }, named: ['last', 'number'] },
    { event: { action: 'status', runs: 2.5 }, named: ['runs "2.5"'] },
  ])('rejects $event', ({ event, named }) => {
    const message = rejection(() => parseSyncRequest(event, TODAY));

    for (const text of named) {
      expect(message).toContain(text);
    }
  });
});
