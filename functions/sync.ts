import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { applyMigrations, findMigrationsDirectory, Runtime } from '../lib/runtime';
import { sanitizeError } from '../lib/sanitize';
import type { SyncTrigger } from '../lib/schedule';
import { runSyncInvocation, type InvocationResult } from '../lib/syncInvocation';
import { SECOND } from '../lib/time';

/** A manual invocation payload, e.g. `{"action": "sync"}`; a schedule event has no `action`. */
interface ManualEvent {
  action: 'sync';
}

let runtime: Runtime | undefined;
let migrated: Promise<void> | undefined;

function getRuntime(): Runtime {
  runtime ??= new Runtime(process.env, { maxConnections: 2, connectTimeoutSeconds: 10 });
  return runtime;
}

export function triggerOf(event: unknown): SyncTrigger {
  const action = (event as Partial<ManualEvent> | null)?.action;
  if (action === undefined) {
    return 'schedule';
  }
  if (action === 'sync') {
    return 'manual';
  }
  throw new Error(`Unknown action "${String(action)}" in the sync payload: expected {"action":"sync"}, or a schedule event.`);
}

async function syncHandler(event: unknown, context: Context): Promise<InvocationResult> {
  const current = getRuntime();
  const trigger = triggerOf(event);

  try {
    await current.prepare({ verifyConnection: true });
    migrated ??= applyMigrations(current, findMigrationsDirectory(process.env));
    await migrated;
  } catch (error) {
    migrated = undefined;
    // Without the database no state can record this failure, so the log is the only trace.
    current.logger.error('Cycle failed: the database is unreachable, could not be migrated, or its URL could not be read', {
      trigger,
      error: sanitizeError(error, current.secrets),
    });
    throw error;
  }

  const deps = {
    sql: current.sql,
    source: current.createCursorClient(),
    clock: current.clock,
    logger: current.logger,
    config: current.config,
    secrets: current.secrets,
    metrics: current.metrics,
  };
  return runSyncInvocation(
    deps,
    {
      trigger,
      deadline: new Date(current.clock.now().getTime() + context.getRemainingTimeInMillis()),
      // One request with both retries: three timeouts plus the retry delays.
      requestBudgetMs: 3 * current.config.cursorRequestTimeoutMs + 3 * SECOND,
    },
  );
}

/** Closes the database pool, so a command-line caller can exit. */
export async function closeSyncRuntime(): Promise<void> {
  await runtime?.close();
  runtime = undefined;
  migrated = undefined;
}

export const handler = middy(syncHandler).use({
  before: (request) => {
    const logger = getRuntime().logger;
    return injectLambdaContext(logger, { resetKeys: true }).before?.(request);
  },
});
