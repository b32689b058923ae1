import { ConfigError } from './errors';
import { embeddedDatabaseUrl } from './embeddedDatabaseUrl';
import { isIsoDate, MINUTE, SECOND, type IsoDate } from './time';

const MIB = 1024 * 1024;

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The service's settings, read once from the environment by `loadConfig`.
 * Nothing else in the code reads `process.env`.
 */
export interface Config {
  /** The connection string; the embedded server's when DATABASE_URL is unset. */
  databaseUrl: string;
  /** True when `databaseUrl` is the embedded server's default. */
  usesEmbeddedDatabase: boolean;
  /**
   * The source of the connection string: DATABASE_URL, the SSM parameter
   * (then `databaseUrl` is only a placeholder until it is read), or the
   * embedded server.
   */
  databaseUrlSource: 'env' | 'ssm' | 'embedded';
  databaseUrlSsmParameter: string | undefined;
  embeddedDatabasePort: number;
  cursorApiUrl: string;
  cursorApiKey: string | undefined;
  cursorApiKeySsmParameter: string | undefined;
  cursorRequestTimeoutMs: number;
  cursorMaxResponseBytes: number;
  pollIntervalMs: number;
  /** First day of the full sync; undefined means 89 days before today. */
  syncStartDate: IsoDate | undefined;
  syncLookbackDays: number;
  retentionDays: number;
  logLevel: LogLevel;
  /** Misconfigurations that do not stop the service, to be logged once. */
  warnings: readonly string[];
}

export const DEFAULTS = {
  embeddedDatabasePort: 54329,
  cursorApiUrl: 'http://127.0.0.1:4010',
  cursorRequestTimeoutMs: 30 * SECOND,
  // Requests are sized to about 50,000 records (daysPerRequestForTeam), about
  // 25 MB of JSON, so 64 MiB leaves room for long texts without letting one
  // response exhaust a Lambda's memory.
  cursorMaxResponseBytes: 64 * MIB,
  pollIntervalMs: MINUTE,
  syncLookbackDays: 3,
  retentionDays: 90,
  logLevel: 'INFO' as LogLevel,
} as const;

const MIN_POLL_INTERVAL_MS = 10 * SECOND;

/** Every environment variable that `loadConfig` reads; other code may reuse the list. */
export const CONFIG_VARIABLES = [
  'DATABASE_URL',
  'DATABASE_URL_SSM_PARAMETER',
  'EMBEDDED_DATABASE_PORT',
  'CURSOR_API_URL',
  'CURSOR_API_KEY',
  'CURSOR_API_KEY_SSM_PARAMETER',
  'CURSOR_API_ALLOW_HTTP',
  'CURSOR_REQUEST_TIMEOUT_MS',
  'CURSOR_MAX_RESPONSE_BYTES',
  'POLL_INTERVAL_MS',
  'SYNC_START_DATE',
  'SYNC_LOOKBACK_DAYS',
  'RETENTION_DAYS',
  'POWERTOOLS_LOG_LEVEL',
] as const;

export type ConfigVariable = (typeof CONFIG_VARIABLES)[number];

type Environment = Readonly<Record<string, string | undefined>>;
type ReadVariable = (name: ConfigVariable) => string | undefined;

/** Reads and validates the configuration; throws ConfigError naming the variable, the value and the rule. */
export function loadConfig(env: Environment): Readonly<Config> {
  const warnings: string[] = [];
  const read: ReadVariable = (name) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const embeddedDatabasePort = readInteger(read, 'EMBEDDED_DATABASE_PORT', DEFAULTS.embeddedDatabasePort, 1, 65535);
  const plainDatabaseUrl = read('DATABASE_URL');
  if (plainDatabaseUrl !== undefined) {
    validateDatabaseUrl(plainDatabaseUrl);
  }
  const databaseUrlSsmParameter = read('DATABASE_URL_SSM_PARAMETER');
  if (plainDatabaseUrl !== undefined && databaseUrlSsmParameter !== undefined) {
    warnings.push(
      `Both DATABASE_URL and DATABASE_URL_SSM_PARAMETER are set; using DATABASE_URL and ignoring the parameter "${databaseUrlSsmParameter}".`,
    );
  }

  const allowHttp = readBoolean(read, 'CURSOR_API_ALLOW_HTTP', false);
  const cursorApiUrl = read('CURSOR_API_URL') ?? DEFAULTS.cursorApiUrl;
  validateCursorApiUrl(cursorApiUrl, allowHttp);

  const cursorApiKey = read('CURSOR_API_KEY');
  const cursorApiKeySsmParameter = read('CURSOR_API_KEY_SSM_PARAMETER');
  if (cursorApiKey !== undefined && cursorApiKeySsmParameter !== undefined) {
    warnings.push(
      `Both CURSOR_API_KEY and CURSOR_API_KEY_SSM_PARAMETER are set; using CURSOR_API_KEY and ignoring the parameter "${cursorApiKeySsmParameter}".`,
    );
  }

  const pollIntervalMs = readInteger(read, 'POLL_INTERVAL_MS', DEFAULTS.pollIntervalMs, MIN_POLL_INTERVAL_MS, 24 * 60 * MINUTE);
  if (pollIntervalMs < MINUTE && MINUTE % pollIntervalMs !== 0) {
    throw new ConfigError(
      'POLL_INTERVAL_MS',
      `Invalid POLL_INTERVAL_MS "${pollIntervalMs}": an interval under 60000 must divide 60000 evenly ` +
        '(for example 10000, 12000, 15000, 20000 or 30000), because the schedule fires once a minute.',
    );
  }

  const syncStartDate = read('SYNC_START_DATE');
  if (syncStartDate !== undefined && !isIsoDate(syncStartDate)) {
    throw new ConfigError(
      'SYNC_START_DATE',
      `Invalid SYNC_START_DATE "${syncStartDate}": expected a calendar date as YYYY-MM-DD, for example 2026-01-31.`,
    );
  }

  const logLevel = (read('POWERTOOLS_LOG_LEVEL') ?? DEFAULTS.logLevel).toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(
      'POWERTOOLS_LOG_LEVEL',
      `Invalid POWERTOOLS_LOG_LEVEL "${read('POWERTOOLS_LOG_LEVEL')}": expected one of ${LOG_LEVELS.join(', ')}.`,
    );
  }

  return Object.freeze({
    databaseUrl: plainDatabaseUrl ?? embeddedDatabaseUrl(embeddedDatabasePort),
    usesEmbeddedDatabase: plainDatabaseUrl === undefined && databaseUrlSsmParameter === undefined,
    databaseUrlSource: databaseUrlSourceOf(plainDatabaseUrl, databaseUrlSsmParameter),
    databaseUrlSsmParameter,
    embeddedDatabasePort,
    cursorApiUrl: cursorApiUrl.replace(/\/+$/, ''),
    cursorApiKey,
    cursorApiKeySsmParameter,
    cursorRequestTimeoutMs: readInteger(read, 'CURSOR_REQUEST_TIMEOUT_MS', DEFAULTS.cursorRequestTimeoutMs, 100, 15 * MINUTE),
    cursorMaxResponseBytes: readInteger(read, 'CURSOR_MAX_RESPONSE_BYTES', DEFAULTS.cursorMaxResponseBytes, 1024, 2 ** 31 - 1),
    pollIntervalMs,
    syncStartDate,
    syncLookbackDays: readInteger(read, 'SYNC_LOOKBACK_DAYS', DEFAULTS.syncLookbackDays, 0, 365),
    retentionDays: readInteger(read, 'RETENTION_DAYS', DEFAULTS.retentionDays, 1, 36500),
    logLevel: logLevel as LogLevel,
    warnings: Object.freeze(warnings),
  });
}

function databaseUrlSourceOf(plain: string | undefined, parameter: string | undefined): Config['databaseUrlSource'] {
  if (plain !== undefined) {
    return 'env';
  }
  return parameter === undefined ? 'embedded' : 'ssm';
}

function readInteger(
  read: ReadVariable,
  name: ConfigVariable,
  defaultValue: number,
  min: number,
  max: number,
): number {
  const text = read(name);
  if (text === undefined) {
    return defaultValue;
  }
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(
      name,
      `Invalid ${name} "${text}": expected a whole number from ${min} to ${max}; unset it to use the default ${defaultValue}.`,
    );
  }
  return value;
}

function readBoolean(read: ReadVariable, name: ConfigVariable, defaultValue: boolean): boolean {
  const text = read(name);
  if (text === undefined) {
    return defaultValue;
  }
  if (text === 'true' || text === 'false') {
    return text === 'true';
  }
  throw new ConfigError(name, `Invalid ${name} "${text}": expected true or false.`);
}

/** Checks a connection string; the error names `variable` and never repeats the URL, which may hold a password. */
export function validateDatabaseUrl(text: string, variable = 'DATABASE_URL'): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      variable,
      `Invalid ${variable}: it is not a URL. Expected postgres://user:password@host:5432/database.`,
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      variable,
      `Invalid ${variable} with scheme "${url.protocol}": expected postgres:// or postgresql://.`,
    );
  }
  const sslmode = url.searchParams.get('sslmode');
  const sslmodes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
  if (sslmode !== null && !sslmodes.includes(sslmode)) {
    throw new ConfigError(
      variable,
      `Invalid sslmode "${sslmode}" in ${variable}: expected one of ${sslmodes.join(', ')}.`,
    );
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function validateCursorApiUrl(text: string, allowHttp: boolean): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError('CURSOR_API_URL', `Invalid CURSOR_API_URL "${text}": it is not a URL, for example https://api.cursor.com.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(
      'CURSOR_API_URL',
      'Invalid CURSOR_API_URL: it contains credentials. Put the key in CURSOR_API_KEY instead.',
    );
  }
  if (url.protocol === 'https:') {
    return;
  }
  if (url.protocol !== 'http:') {
    throw new ConfigError('CURSOR_API_URL', `Invalid CURSOR_API_URL "${text}": expected an https:// URL.`);
  }
  if (!allowHttp && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      'CURSOR_API_URL',
      `Invalid CURSOR_API_URL "${text}": plain http is allowed only to a loopback host, because the API key ` +
        'would travel in clear. Use https, or set CURSOR_API_ALLOW_HTTP=true if you accept that.',
    );
  }
}
