import type { Logger } from '@aws-lambda-powertools/logger';
import type { Sql } from './db';
import { closeAbandonedRuns } from './sql/syncRuns';

/**
 * Closes the runs that a dead invocation left `running` and logs their ids.
 * Call it only while holding the lease, because a run that is still
 * `running` then belongs to a process that died.
 */
export async function closeAndReportAbandonedRuns(sql: Sql, logger: Logger, currentRunId: string, now: Date): Promise<void> {
  const abandoned = await closeAbandonedRuns(sql, currentRunId, now);
  if (abandoned.length > 0) {
    logger.warn('Closed runs that stopped without finishing', { runIds: abandoned });
  }
}
