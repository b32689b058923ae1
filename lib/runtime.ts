import { existsSync } from 'node:fs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig, type Config } from './config';
import { CursorClient } from './cursorClient';
import { connect, type Sql } from './db';
import { createLogger } from './logger';
import { defaultMigrationsDirectory, migrate } from './migrations';
import { systemClock, type Clock } from './time';

/**
 * The resources of a handler, created once per process (a Lambda container)
 * and reused across invocations.
 */
export interface Runtime {
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
  sql: Sql;
  secrets: readonly (string | undefined)[];
}

type Environment = Readonly<Record<string, string | undefined>>;

export function createRuntime(env: Environment, options: { maxConnections: number; connectTimeoutSeconds: number }): Runtime {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  for (const warning of config.warnings) {
    logger.warn(warning);
  }
  return {
    config,
    logger,
    clock: systemClock,
    sql: connect(config.databaseUrl, {
      maxConnections: options.maxConnections,
      connectTimeoutSeconds: options.connectTimeoutSeconds,
    }),
    secrets: [config.cursorApiKey, databasePassword(config.databaseUrl)],
  };
}

export function createCursorClient(runtime: Runtime): CursorClient {
  const { config } = runtime;
  return new CursorClient({
    baseUrl: config.cursorApiUrl,
    apiKey: config.cursorApiKey,
    requestTimeoutMs: config.cursorRequestTimeoutMs,
    maxResponseBytes: config.cursorMaxResponseBytes,
    clock: runtime.clock,
    logger: runtime.logger,
  });
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

function databasePassword(databaseUrl: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(databaseUrl).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}
