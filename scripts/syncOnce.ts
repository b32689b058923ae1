/**
 * `npm run sync:once`: one cycle now through the `sync` handler, as an
 * operator's manual trigger. Exit 0 when the cycle succeeded, ended
 * incomplete, or another run holds the lease; 1 when it failed; 2 for
 * invalid configuration.
 */
import type { Context } from 'aws-lambda';
import { closeSyncRuntime, handler } from '../functions/sync';
import { ConfigError } from '../lib/errors';
import { loadConfig } from '../lib/config';
import { explainDatabaseFailure } from './databaseHint';
import { MINUTE } from '../lib/time';

/** The `sync` function's timeout in serverless.yml. */
const INVOCATION_TIMEOUT_MS = 15 * MINUTE;

async function main(): Promise<number> {
  try {
    loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const deadlineMs = Date.now() + INVOCATION_TIMEOUT_MS;
  const context = {
    functionName: 'sync',
    awsRequestId: `manual-${Date.now()}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  } as unknown as Context;

  try {
    const result = await handler({ action: 'sync' }, context);
    const cycle = result.cycles[0];
    if (cycle === undefined) {
      process.stderr.write('No cycle ran.\n');
      return 1;
    }
    if (cycle.status === 'failure') {
      process.stderr.write(`Sync failed: ${cycle.error}\n`);
      return 1;
    }
    if (cycle.status === 'lease_held') {
      process.stderr.write(`Skipped: another run holds the lease until ${cycle.leaseExpiresAt?.toISOString() ?? 'unknown'}.\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`${explainDatabaseFailure(error, process.env)}\n`);
    return 1;
  } finally {
    await closeSyncRuntime();
  }
}

process.exitCode = await main();
