import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const VARIABLES = [
  'DATABASE_URL',
  'DATABASE_URL_SSM_PARAMETER',
  'EMBEDDED_DATABASE_PORT',
  'CURSOR_API_URL',
  'CURSOR_API_ALLOW_HTTP',
  'CURSOR_API_KEY',
  'CURSOR_API_KEY_SSM_PARAMETER',
  'CURSOR_REQUEST_TIMEOUT_MS',
  'CURSOR_MAX_RESPONSE_BYTES',
  'POLL_INTERVAL_MS',
  'SYNC_START_DATE',
  'SYNC_LOOKBACK_DAYS',
  'RETENTION_DAYS',
  'POWERTOOLS_LOG_LEVEL',
];

/** Runs loadConfig and returns the ConfigError it throws. Any other outcome fails the test. */
function configErrorFor(env: Readonly<Record<string, string | undefined>>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw new Error(`expected a ConfigError, but loadConfig threw ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a ConfigError, but loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  const defaults = loadConfig({});

  test.each([
    { setting: 'databaseUrl', value: 'postgres://postgres:postgres@127.0.0.1:54329/postgres' },
    { setting: 'usesEmbeddedDatabase', value: true },
    { setting: 'databaseUrlSsmParameter', value: undefined },
    { setting: 'embeddedDatabasePort', value: 54329 },
    { setting: 'cursorApiUrl', value: 'http://127.0.0.1:4010' },
    { setting: 'cursorApiKey', value: undefined },
    { setting: 'cursorApiKeySsmParameter', value: undefined },
    { setting: 'cursorRequestTimeoutMs', value: 30_000 },
    { setting: 'pollIntervalMs', value: 60_000 },
    { setting: 'syncStartDate', value: undefined },
    { setting: 'syncLookbackDays', value: 3 },
    { setting: 'retentionDays', value: 90 },
    { setting: 'logLevel', value: 'INFO' },
  ] as const)('default $setting', ({ setting, value }) => {
    // Assess
    expect(defaults[setting]).toBe(value);
  });

  test('default has no warnings', () => {
    // Assess
    expect(defaults.warnings).toEqual([]);
  });

  test('default response limit positive', () => {
    // Assess
    expect(Number.isInteger(defaults.cursorMaxResponseBytes)).toBe(true);
    expect(defaults.cursorMaxResponseBytes).toBeGreaterThan(0);
  });

  test('empty strings count as unset', () => {
    // Prepare
    const env = Object.fromEntries(VARIABLES.map((name) => [name, '']));

    // Act
    const config = loadConfig(env);

    // Assess
    expect(config).toEqual(defaults);
  });

  test('blank strings count as unset', () => {
    // Prepare
    const env = Object.fromEntries(VARIABLES.map((name) => [name, '   ']));

    // Act
    const config = loadConfig(env);

    // Assess
    expect(config).toEqual(defaults);
  });
});

describe('loadConfig valid values', () => {
  test.each([
    { name: 'poll interval 10000', env: { POLL_INTERVAL_MS: '10000' }, setting: 'pollIntervalMs', value: 10_000 },
    { name: 'poll interval 30000', env: { POLL_INTERVAL_MS: '30000' }, setting: 'pollIntervalMs', value: 30_000 },
    { name: 'poll interval 90000', env: { POLL_INTERVAL_MS: '90000' }, setting: 'pollIntervalMs', value: 90_000 },
    { name: 'start date on leap day', env: { SYNC_START_DATE: '2024-02-29' }, setting: 'syncStartDate', value: '2024-02-29' },
    { name: 'lookback 0', env: { SYNC_LOOKBACK_DAYS: '0' }, setting: 'syncLookbackDays', value: 0 },
    { name: 'log level in lower case', env: { POWERTOOLS_LOG_LEVEL: 'debug' }, setting: 'logLevel', value: 'DEBUG' },
    { name: 'value with spaces trimmed', env: { RETENTION_DAYS: ' 30 ' }, setting: 'retentionDays', value: 30 },
    {
      name: 'https API URL',
      env: { CURSOR_API_URL: 'https://api.cursor.com' },
      setting: 'cursorApiUrl',
      value: 'https://api.cursor.com',
    },
    {
      name: 'API URL trailing slash dropped',
      env: { CURSOR_API_URL: 'https://api.cursor.com/' },
      setting: 'cursorApiUrl',
      value: 'https://api.cursor.com',
    },
    {
      name: 'http to 127.0.0.1',
      env: { CURSOR_API_URL: 'http://127.0.0.1:4010' },
      setting: 'cursorApiUrl',
      value: 'http://127.0.0.1:4010',
    },
    {
      name: 'http to localhost',
      env: { CURSOR_API_URL: 'http://localhost:4010' },
      setting: 'cursorApiUrl',
      value: 'http://localhost:4010',
    },
    {
      name: 'http to ::1',
      env: { CURSOR_API_URL: 'http://[::1]:4010' },
      setting: 'cursorApiUrl',
      value: 'http://[::1]:4010',
    },
    {
      name: 'http allowed by CURSOR_API_ALLOW_HTTP',
      env: { CURSOR_API_URL: 'http://example.com', CURSOR_API_ALLOW_HTTP: 'true' },
      setting: 'cursorApiUrl',
      value: 'http://example.com',
    },
    {
      name: 'plain DATABASE_URL',
      env: { DATABASE_URL: 'postgres://app:secret@db.internal:5432/usage?sslmode=require' },
      setting: 'databaseUrl',
      value: 'postgres://app:secret@db.internal:5432/usage?sslmode=require',
    },
    {
      name: 'postgresql scheme',
      env: { DATABASE_URL: 'postgresql://app@db.internal/usage' },
      setting: 'databaseUrl',
      value: 'postgresql://app@db.internal/usage',
    },
  ] as const)('$name', ({ env, setting, value }) => {
    // Act
    const config = loadConfig(env);

    // Assess
    expect(config[setting]).toBe(value);
  });

  test('DATABASE_URL turns off embedded server', () => {
    // Act
    const config = loadConfig({ DATABASE_URL: 'postgres://app@db.internal/usage' });

    // Assess
    expect(config.usesEmbeddedDatabase).toBe(false);
  });

  test('embedded URL uses EMBEDDED_DATABASE_PORT', () => {
    // Act
    const config = loadConfig({ EMBEDDED_DATABASE_PORT: '55432' });
    const url = new URL(config.databaseUrl);

    // Assess
    expect(config.usesEmbeddedDatabase).toBe(true);
    expect(config.embeddedDatabasePort).toBe(55432);
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.port).toBe('55432');
  });

  test('both API keys use plain key', () => {
    // Act
    const config = loadConfig({
      CURSOR_API_KEY: 'key_plain_value',
      CURSOR_API_KEY_SSM_PARAMETER: '/aggregator/cursor-api-key',
    });

    // Assess
    expect(config.cursorApiKey).toBe('key_plain_value');
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]).toContain('CURSOR_API_KEY');
    expect(config.warnings[0]).toContain('CURSOR_API_KEY_SSM_PARAMETER');
    expect(config.warnings[0]).not.toContain('key_plain_value');
  });

  test('plain API key alone warns nothing', () => {
    // Act
    const config = loadConfig({ CURSOR_API_KEY: 'key_plain_value' });

    // Assess
    expect(config.cursorApiKey).toBe('key_plain_value');
    expect(config.warnings).toEqual([]);
  });

  test('returned config is frozen', () => {
    // Act
    const config = loadConfig({});

    // Assess
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.warnings)).toBe(true);
    expect(() => {
      (config as { pollIntervalMs: number }).pollIntervalMs = 1;
    }).toThrow(TypeError);
  });
});

describe('loadConfig invalid values', () => {
  test.each([
    { env: { POLL_INTERVAL_MS: '5000' }, variable: 'POLL_INTERVAL_MS', value: '5000' },
    { env: { POLL_INTERVAL_MS: '25000' }, variable: 'POLL_INTERVAL_MS', value: '25000' },
    { env: { POLL_INTERVAL_MS: 'abc' }, variable: 'POLL_INTERVAL_MS', value: 'abc' },
    { env: { POLL_INTERVAL_MS: '-60000' }, variable: 'POLL_INTERVAL_MS', value: '-60000' },
    { env: { POLL_INTERVAL_MS: '60000.5' }, variable: 'POLL_INTERVAL_MS', value: '60000.5' },
    { env: { SYNC_START_DATE: '2026-02-30' }, variable: 'SYNC_START_DATE', value: '2026-02-30' },
    { env: { SYNC_START_DATE: '2026/01/01' }, variable: 'SYNC_START_DATE', value: '2026/01/01' },
    { env: { SYNC_START_DATE: '2026-1-1' }, variable: 'SYNC_START_DATE', value: '2026-1-1' },
    { env: { CURSOR_API_URL: 'http://example.com' }, variable: 'CURSOR_API_URL', value: 'http://example.com' },
    { env: { CURSOR_API_URL: 'ftp://x' }, variable: 'CURSOR_API_URL', value: 'ftp://x' },
    { env: { CURSOR_API_URL: 'api.cursor.com' }, variable: 'CURSOR_API_URL', value: 'api.cursor.com' },
    {
      env: { CURSOR_API_URL: 'ftp://x', CURSOR_API_ALLOW_HTTP: 'true' },
      variable: 'CURSOR_API_URL',
      value: 'ftp://x',
    },
    { env: { CURSOR_API_ALLOW_HTTP: 'yes' }, variable: 'CURSOR_API_ALLOW_HTTP', value: 'yes' },
    { env: { POWERTOOLS_LOG_LEVEL: 'LOUD' }, variable: 'POWERTOOLS_LOG_LEVEL', value: 'LOUD' },
    { env: { EMBEDDED_DATABASE_PORT: '70000' }, variable: 'EMBEDDED_DATABASE_PORT', value: '70000' },
    { env: { SYNC_LOOKBACK_DAYS: '-1' }, variable: 'SYNC_LOOKBACK_DAYS', value: '-1' },
    { env: { RETENTION_DAYS: '0' }, variable: 'RETENTION_DAYS', value: '0' },
    { env: { CURSOR_REQUEST_TIMEOUT_MS: 'soon' }, variable: 'CURSOR_REQUEST_TIMEOUT_MS', value: 'soon' },
  ])('$variable "$value" rejected', ({ env, variable, value }) => {
    // Act
    const error = configErrorFor(env);

    // Assess
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(value);
  });

  test.each([
    { name: 'mysql scheme', url: 'mysql://x', shown: 'mysql' },
    { name: 'mysql scheme with password', url: 'mysql://app:hunter2secret@db.internal/usage', shown: 'mysql' },
    { name: 'not a URL', url: 'app:hunter2secret at db.internal', shown: 'DATABASE_URL' },
    {
      name: 'unknown sslmode',
      url: 'postgres://app:hunter2secret@db.internal/usage?sslmode=sometimes',
      shown: 'sometimes',
    },
  ])('DATABASE_URL $name rejected', ({ url, shown }) => {
    // Act
    const error = configErrorFor({ DATABASE_URL: url });

    // Assess
    expect(error.variable).toBe('DATABASE_URL');
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).toContain(shown);
    expect(error.message).not.toContain('hunter2secret');
  });

  test('API URL with credentials rejected', () => {
    // Act
    const error = configErrorFor({ CURSOR_API_URL: 'https://user:hunter2secret@api.cursor.com' });

    // Assess
    expect(error.variable).toBe('CURSOR_API_URL');
    expect(error.message).toContain('CURSOR_API_URL');
    expect(error.message).not.toContain('hunter2secret');
  });
});
