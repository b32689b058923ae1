import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { applyMigrations, createCursorClient, createRuntime, findMigrationsDirectory, type Runtime } from '../lib/runtime';
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
  runtime ??= createRuntime(process.env, { maxConnections: 2, connectTimeoutSeconds: 10 });
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

  migrated ??= applyMigrations(current, findMigrationsDirectory(process.env));
  try {
    await migrated;
  } catch (error) {
    migrated = undefined;
    // Without the database no state can record this failure, so the log is the only trace.
    current.logger.error('Cycle failed: the database is unreachable or could not be migrated', {
      trigger,
      error: sanitizeError(error, current.secrets),
    });
    throw error;
  }

  const client = createCursorClient(current);
  return runSyncInvocation(
    { ...current, source: client },
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
  await runtime?.sql.end({ timeout: 5 });
  runtime = undefined;
  migrated = undefined;
}

export const handler = middy(syncHandler).use({
  before: (request) => {
    const logger = getRuntime().logger;
    return injectLambdaContext(logger, { resetKeys: true }).before?.(request);
  },
});
