import middy from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { ConfigError } from '../lib/errors';
import { checkHealth } from '../lib/health';
import { databaseUnreachableHealth, HEALTH_CONTENT_TYPE, httpStatusFor, type HealthDocument } from '../lib/healthReport';
import { createRuntime, type Runtime } from '../lib/runtime';

let runtime: Runtime | undefined;

/** Builds the health document; exported for the `npm run health` command. */
export async function readHealthDocument(): Promise<HealthDocument> {
  try {
    runtime ??= createRuntime(process.env, { maxConnections: 1, connectTimeoutSeconds: 3 });
  } catch (error) {
    if (error instanceof ConfigError) {
      return databaseUnreachableHealth(new Date(), `Invalid configuration: ${error.variable}. ${error.message}`);
    }
    throw error;
  }

  const current = runtime;
  const { document, databaseFailed } = await checkHealth({
    sql: current.sql,
    now: () => current.clock.now(),
    secrets: current.secrets,
  });
  if (databaseFailed) {
    current.logger.warn('Health check could not read the database', { output: document.output });
    // A hung connection would stall the next check too; start a fresh pool.
    runtime = undefined;
    void current.sql.end({ timeout: 0 }).catch(() => {});
  }
  return document;
}

export async function closeHealthRuntime(): Promise<void> {
  await runtime?.sql.end({ timeout: 5 });
  runtime = undefined;
}

async function healthHandler(): Promise<APIGatewayProxyResultV2> {
  const document = await readHealthDocument();
  return {
    statusCode: httpStatusFor(document.status),
    headers: { 'content-type': HEALTH_CONTENT_TYPE, 'cache-control': 'no-store' },
    body: JSON.stringify(document),
  };
}

export const handler = middy(healthHandler);
