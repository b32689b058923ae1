import { describe, expect, test } from 'vitest';
import { ConfigError, UpstreamError } from '../../lib/errors';
import { sanitizeError } from '../../lib/sanitize';

const MAX_MESSAGE_LENGTH = 500;

function errorWithCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('sanitizeError', () => {
  test.each([
    {
      name: 'postgres URL',
      message: 'connect to postgres://app:Xq7pw2Lk@db.internal:5432/usage failed',
      password: 'Xq7pw2Lk',
      kept: 'postgres://app:***@db.internal:5432/usage',
    },
    {
      name: 'postgresql URL',
      message: 'bad target postgresql://app:Xq7pw2Lk@db.internal/usage?sslmode=require',
      password: 'Xq7pw2Lk',
      kept: 'postgresql://app:***@db.internal/usage?sslmode=require',
    },
    {
      name: 'upper-case scheme',
      message: 'bad target POSTGRES://app:Xq7pw2Lk@db.internal/usage',
      password: 'Xq7pw2Lk',
      kept: 'POSTGRES://app:***@db.internal/usage',
    },
    {
      name: 'URL at end of sentence',
      message: 'cannot reach postgres://app:Xq7pw2Lk@db.internal.',
      password: 'Xq7pw2Lk',
      kept: 'postgres://app:***@db.internal.',
    },
    {
      name: 'percent-encoded password',
      message: 'cannot reach postgres://app:p%40ss%2Fw0rd@db.internal/usage',
      password: 'p%40ss%2Fw0rd',
      kept: 'postgres://app:***@db.internal/usage',
    },
    {
      name: 'password with a colon',
      message: 'cannot reach postgres://app:openXK2:closeQ9@db.internal/usage',
      password: 'openXK2',
      kept: 'postgres://app:***@db.internal/usage',
    },
  ])('$name password masked', ({ message, password, kept }) => {
    // Act
    const sanitized = sanitizeError(new Error(message), []);

    // Assess
    expect(sanitized).not.toContain(password);
    expect(sanitized).toContain(kept);
  });

  test('two URLs both masked', () => {
    // Prepare
    const error = new Error('from postgres://a:FirstPw1@one/x to postgres://b:SecondPw2@two/y');

    // Act
    const sanitized = sanitizeError(error, []);

    // Assess
    expect(sanitized).not.toContain('FirstPw1');
    expect(sanitized).not.toContain('SecondPw2');
  });

  test('URL without password unchanged', () => {
    // Act
    const sanitized = sanitizeError(new Error('cannot reach postgres://app@db.internal/usage'), []);

    // Assess
    expect(sanitized).toContain('postgres://app@db.internal/usage');
  });

  test.each([
    { name: 'API key', message: 'request with key_live_8f3a2c failed', secret: 'key_live_8f3a2c' },
    { name: 'repeated secret', message: 'k9Vx7q then k9Vx7q again', secret: 'k9Vx7q' },
    { name: 'secret inside word', message: 'tokenk9Vx7qtoken', secret: 'k9Vx7q' },
  ])('$name replaced', ({ message, secret }) => {
    // Act
    const sanitized = sanitizeError(new Error(message), [undefined, secret]);

    // Assess
    expect(sanitized).not.toContain(secret);
    expect(sanitized).toContain('***');
  });

  test('every given secret replaced', () => {
    // Prepare
    const error = new Error('key key_live_8f3a2c and password Xq7pw2Lk');

    // Act
    const sanitized = sanitizeError(error, ['key_live_8f3a2c', 'Xq7pw2Lk']);

    // Assess
    expect(sanitized).not.toContain('key_live_8f3a2c');
    expect(sanitized).not.toContain('Xq7pw2Lk');
  });

  test('long message capped', () => {
    // Prepare
    const error = new Error(`upstream returned ${'x'.repeat(5_000)}`);

    // Act
    const sanitized = sanitizeError(error, []);

    // Assess
    expect(sanitized.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(sanitized).toContain('upstream returned');
  });

  test('secret at cap still replaced', () => {
    // Prepare
    const secret = 'key_live_8f3a2c';
    const error = new Error(`${'x'.repeat(MAX_MESSAGE_LENGTH - 20)}${secret}`);

    // Act
    const sanitized = sanitizeError(error, [secret]);

    // Assess
    expect(sanitized).not.toContain(secret);
    expect(sanitized).not.toContain(secret.slice(0, 8));
  });

  test('short message kept whole', () => {
    // Act
    const sanitized = sanitizeError(new Error('relation "daily_stats" does not exist'), []);

    // Assess
    expect(sanitized).toContain('relation "daily_stats" does not exist');
  });

  test('no stack trace in output', () => {
    // Prepare
    function failingStep(): never {
      throw new Error('step failed');
    }
    let thrown: unknown;
    try {
      failingStep();
    } catch (error) {
      thrown = error;
    }

    // Act
    const sanitized = sanitizeError(thrown, []);

    // Assess
    expect((thrown as Error).stack).toContain('failingStep');
    expect(sanitized).not.toContain('failingStep');
    expect(sanitized).not.toContain('sanitize.test.ts');
    expect(sanitized).not.toMatch(/\n\s+at /);
  });

  test.each([
    { name: 'plain error', thrown: new Error('boom'), expected: 'error: boom' },
    { name: 'thrown string', thrown: 'boom', expected: 'error: boom' },
    {
      name: 'upstream error',
      thrown: new UpstreamError('rate_limited', 'HTTP 429 from /teams/daily-usage-data'),
      expected: 'upstream rate limited: HTTP 429 from /teams/daily-usage-data',
    },
    {
      name: 'aggregator error',
      thrown: new ConfigError('POLL_INTERVAL_MS', 'Invalid POLL_INTERVAL_MS "5000"'),
      expected: 'ConfigError: Invalid POLL_INTERVAL_MS "5000"',
    },
    {
      name: 'connection refused',
      thrown: errorWithCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      expected: 'database unreachable: connect ECONNREFUSED 127.0.0.1:5432',
    },
    {
      name: 'SQL error',
      thrown: errorWithCode('duplicate key value', '23505'),
      expected: 'database error 23505: duplicate key value',
    },
  ])('$name labeled', ({ thrown, expected }) => {
    // Act
    const sanitized = sanitizeError(thrown, []);

    // Assess
    expect(sanitized).toBe(expected);
  });
});
