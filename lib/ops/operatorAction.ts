import { DEADLINE_RESERVE_MS } from '../syncInvocation';
import { runBackfill, type BackfillDependencies, type BackfillResult } from './backfill';
import { resetWatermark, type ResetResult } from './resetWatermark';
import { listRuns, type RunReport } from './runs';
import { readStatus, type StatusReport } from './status';
import type { OperatorRequest } from './syncRequest';

export type OperatorResult = StatusReport | RunReport[] | BackfillResult | ResetResult;

export interface InvocationLimits {
  /** When the invocation must have returned (Lambda: now + remaining time). */
  deadline: Date;
  /** Stop starting upstream requests this long before the deadline: one request's worst case. */
  requestBudgetMs: number;
}

/**
 * Runs an operator action of a `sync` payload and returns what the matching
 * `npm run ops` command prints with `--json`: the status document, the runs,
 * or the result of a backfill or reset.
 */
export async function runOperatorAction(
  deps: BackfillDependencies,
  request: OperatorRequest,
  limits: InvocationLimits,
): Promise<OperatorResult> {
  switch (request.action) {
    case 'status':
      return (await readStatus(deps, { runs: request.runs })).report;
    case 'runs':
      return listRuns(deps.sql, request.last);
    case 'backfill':
      return runBackfill(deps, {
        range: request.range,
        fields: { from: 'from', to: 'to' },
        stopRequestsAt: new Date(limits.deadline.getTime() - DEADLINE_RESERVE_MS - limits.requestBudgetMs),
        leaseDeadline: limits.deadline,
      });
    case 'reset':
      return resetWatermark(deps, { watermark: request.watermark, field: 'watermark' });
  }
}
