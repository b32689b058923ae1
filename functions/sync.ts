import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { runOperatorAction, type OperatorResult } from '../lib/ops/operatorAction';
import { actionOf, parseSyncRequest } from '../lib/ops/syncRequest';
import { applyMigrations, findMigrationsDirectory, Runtime } from '../lib/runtime';
import { sanitizeError } from '../lib/sanitize';
import type { SyncTrigger } from '../lib/schedule';
import { runSyncInvocation, type InvocationResult } from '../lib/syncInvocation';
import { SECOND, toIsoDate } from '../lib/time';

let runtime: Runtime | undefined;
let migrated: Promise<void> | undefined;

function getRuntime(): Runtime {
  runtime ??= new Runtime(process.env, { maxConnections: 2, connectTimeoutSeconds: 10 });
  return runtime;
}

/**
 * Returns `schedule` for an event without `action` (EventBridge) and `manual`
 * for a payload such as `{"action": "sync"}` or an operator action; throws for
 * an unknown action.
 */
export function triggerOf(event: unknown): SyncTrigger {
  return actionOf(event) === 'schedule' ? 'schedule' : 'manual';
}

async function syncHandler(event: unknown, context: Context): Promise<InvocationResult | OperatorResult> {
  const current = getRuntime();
  // An invalid payload is rejected before anything is connected or changed.
  const request = parseSyncRequest(event, toIsoDate(current.clock.now().getTime()));
  const trigger: SyncTrigger = request.action === 'schedule' ? 'schedule' : 'manual';

  try {
    await current.prepare({ verifyConnection: true });
    migrated ??= applyMigrations(current, findMigrationsDirectory(process.env));
    await migrated;
  } catch (error) {
    migrated = undefined;
    // Without the database no state can record this failure, so the log is the only trace.
    current.logger.error('Cycle failed: the database is unreachable, could not be migrated, or its URL could not be read', {
      trigger,
      action: request.action,
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
  const limits = {
    deadline: new Date(current.clock.now().getTime() + context.getRemainingTimeInMillis()),
    // One request with both retries: three timeouts plus the retry delays.
    requestBudgetMs: 3 * current.config.cursorRequestTimeoutMs + 3 * SECOND,
  };
  if (request.action === 'schedule' || request.action === 'sync') {
    return runSyncInvocation(deps, { trigger, ...limits });
  }
  return runOperatorAction(deps, request, limits);
}

/** Closes the database pool, so a command-line caller can exit. */
export async function closeSyncRuntime(): Promise<void> {
  await runtime?.close();
  runtime = undefined;
  migrated = undefined;
}

const middyHandler = middy(syncHandler).use({
  before: (request) => {
    const logger = getRuntime().logger;
    return injectLambdaContext(logger, { resetKeys: true }).before?.(request);
  },
});

/**
 * The `sync` function. A schedule event or `{"action": "sync"}` returns the
 * invocation's cycles, and the signature listed first gives that type to
 * callers such as `npm run sync:once`. The operator actions (status, runs,
 * backfill, reset) return an OperatorResult.
 */
export const handler = middyHandler as ((event: { action: 'sync' }, context: Context) => Promise<InvocationResult>) &
  typeof middyHandler;
