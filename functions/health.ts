import middy from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { ConfigError } from '../lib/errors';
import { SecretError } from '../lib/secrets';
import { checkHealth } from '../lib/health';
import { databaseUnreachableHealth, HEALTH_CONTENT_TYPE, httpStatusFor, type HealthDocument } from '../lib/healthReport';
import { Runtime } from '../lib/runtime';

let runtime: Runtime | undefined;

/** Builds the health document; exported for the `npm run health` command. */
export async function readHealthDocument(): Promise<HealthDocument> {
  try {
    runtime ??= new Runtime(process.env, { maxConnections: 1, connectTimeoutSeconds: 3 });
  } catch (error) {
    if (error instanceof ConfigError) {
      return databaseUnreachableHealth(new Date(), `Invalid configuration: ${error.variable}. ${error.message}`);
    }
    throw error;
  }

  const current = runtime;
  try {
    await current.prepare();
  } catch (error) {
    if (error instanceof SecretError) {
      current.logger.error('Health check could not read the database URL', { parameter: error.parameter, error: error.message });
      return databaseUnreachableHealth(current.clock.now(), `Database URL unavailable: ${error.message}`);
    }
    throw error;
  }
  const { document, databaseFailed } = await checkHealth({
    sql: current.sql,
    now: () => current.clock.now(),
    secrets: current.secrets,
  });
  if (databaseFailed) {
    current.logger.warn('Health check could not read the database', { output: document.output });
    // A hung connection would stall the next check too; start a fresh pool.
    runtime = undefined;
    void current.close().catch(() => {});
  }
  return document;
}

export async function closeHealthRuntime(): Promise<void> {
  await runtime?.close();
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
