import { existsSync } from 'node:fs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig, validateDatabaseUrl, type Config } from './config';
import { CursorClient } from './cursorClient';
import { connect, type Sql } from './db';
import { ConfigError } from './errors';
import { createLogger } from './logger';
import { CycleMetrics } from './metrics';
import { defaultMigrationsDirectory, migrate } from './migrations';
import { createSsmSecretSource, SecretError, type SecretSource } from './secrets';
import { isConnectionCode } from './sanitize';
import { SECOND, systemClock, type Clock } from './time';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * A pooled connection that died silently (a frozen container, a dropped NAT
 * entry) can leave a query waiting for minutes; the check gives up sooner.
 */
const CONNECTION_CHECK_TIMEOUT_MS = 5 * SECOND;

export interface RuntimeOptions {
  maxConnections: number;
  connectTimeoutSeconds: number;
  /** Replaces SSM Parameter Store, for tests. */
  secretSource?: SecretSource;
}

/**
 * The resources of a handler, created once per process (a Lambda container)
 * and reused across invocations: configuration, logger, metrics and the
 * database pool. Call `prepare()` at the start of each invocation: it reads
 * the secrets named by SSM parameters (cached for a bounded time, so a
 * rotated secret is picked up) and reconnects when the database URL changed.
 */
export class Runtime {
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  readonly clock: Clock = systemClock;
  readonly metrics = new CycleMetrics();
  /** Secret values to keep out of stored errors and messages; grows as secrets are read. */
  readonly secrets: (string | undefined)[] = [];

  private readonly secretSource: SecretSource | undefined;
  private pool: Sql | undefined;
  private poolUrl: string | undefined;

  constructor(
    env: Environment,
    private readonly options: RuntimeOptions,
  ) {
    this.config = loadConfig(env);
    this.logger = createLogger(this.config.logLevel);
    for (const warning of this.config.warnings) {
      this.logger.warn(warning);
    }
    const needsSsm = this.config.databaseUrlSource === 'ssm' || (this.config.cursorApiKey === undefined && this.config.cursorApiKeySsmParameter !== undefined);
    this.secretSource = options.secretSource ?? (needsSsm ? createSsmSecretSource() : undefined);
    this.secrets.push(this.config.cursorApiKey, databasePassword(this.config.databaseUrl));
  }

  /** The database pool; available after `prepare()`. */
  get sql(): Sql {
    if (this.pool === undefined) {
      throw new Error('The database is not connected yet: call prepare() first.');
    }
    return this.pool;
  }

  /**
   * Resolves the database URL and (re)connects when it changed. With
   * `verifyConnection`, it also checks the pooled connection, which may have
   * died while the container was frozen, and reconnects once if it did.
   * Throws SecretError, ConfigError, or the driver's error.
   */
  async prepare(options: { verifyConnection?: boolean } = {}): Promise<void> {
    const url = await this.resolveDatabaseUrl();
    if (url !== this.poolUrl || this.pool === undefined) {
      const previous = this.pool;
      this.openPool(url);
      if (previous !== undefined) {
        this.logger.info('The database URL changed; reconnecting');
        await previous.end({ timeout: 5 }).catch(() => {});
      }
    }
    if (options.verifyConnection === true) {
      await this.verifyConnection(url);
    }
  }

  private openPool(url: string): void {
    this.pool = connect(url, {
      maxConnections: this.options.maxConnections,
      connectTimeoutSeconds: this.options.connectTimeoutSeconds,
    });
    this.poolUrl = url;
    this.rememberSecret(databasePassword(url));
  }

  private async verifyConnection(url: string): Promise<void> {
    try {
      await withTimeout(this.sql`select 1`, CONNECTION_CHECK_TIMEOUT_MS);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !isConnectionCode(code)) {
        throw error;
      }
      this.logger.warn('The database connection was dropped; reconnecting once', { code });
      const dropped = this.pool;
      this.openPool(url);
      void dropped?.end({ timeout: 0 }).catch(() => {});
      await withTimeout(this.sql`select 1`, CONNECTION_CHECK_TIMEOUT_MS);
    }
  }

  /** Returns the Cursor API key: CURSOR_API_KEY, else the SSM parameter's value, else undefined. */
  async resolveApiKey(): Promise<string | undefined> {
    const { config } = this;
    if (config.cursorApiKey !== undefined || config.cursorApiKeySsmParameter === undefined) {
      return config.cursorApiKey;
    }
    const key = await this.secretSource!.get(config.cursorApiKeySsmParameter, 'CURSOR_API_KEY_SSM_PARAMETER');
    this.rememberSecret(key);
    return key;
  }

  createCursorClient(): CursorClient {
    const { config } = this;
    return new CursorClient({
      baseUrl: config.cursorApiUrl,
      apiKey: () => this.resolveApiKey(),
      requestTimeoutMs: config.cursorRequestTimeoutMs,
      maxResponseBytes: config.cursorMaxResponseBytes,
      clock: this.clock,
      logger: this.logger,
    });
  }

  async close(): Promise<void> {
    await this.pool?.end({ timeout: 5 });
    this.pool = undefined;
    this.poolUrl = undefined;
  }

  private async resolveDatabaseUrl(): Promise<string> {
    const { config } = this;
    if (config.databaseUrlSource !== 'ssm') {
      return config.databaseUrl;
    }
    const parameter = config.databaseUrlSsmParameter!;
    const url = await this.secretSource!.get(parameter, 'DATABASE_URL_SSM_PARAMETER');
    this.rememberSecret(databasePassword(url));
    try {
      validateDatabaseUrl(url, `the value of the SSM parameter "${parameter}"`);
    } catch (error) {
      throw new SecretError(parameter, (error as ConfigError).message);
    }
    return url;
  }

  private rememberSecret(secret: string | undefined): void {
    if (secret !== undefined && !this.secrets.includes(secret)) {
      this.secrets.push(secret);
    }
  }
}

/**
 * Finds the SQL migrations: under the Lambda task root when deployed (the
 * package includes `migrations/`), else under the working directory.
 */
export function findMigrationsDirectory(env: Environment): string {
  const deployed = defaultMigrationsDirectory(env.LAMBDA_TASK_ROOT);
  return existsSync(deployed) ? deployed : defaultMigrationsDirectory(undefined);
}

export async function applyMigrations(runtime: Runtime, directory: string): Promise<void> {
  const applied = await migrate(runtime.sql, directory);
  if (applied.length > 0) {
    runtime.logger.info('Applied database migrations', { migrations: applied });
  }
}

/** Settles like `promise`, or rejects with a connection-class error after `timeoutMs`. */
async function withTimeout<T>(promise: PromiseLike<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`The database did not respond within ${timeoutMs} ms.`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function databasePassword(databaseUrl: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(databaseUrl).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}
