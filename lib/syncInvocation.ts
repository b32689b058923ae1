import { randomUUID } from 'node:crypto';
import { cyclesPerInvocation, SCHEDULE_TICK_MS, type SyncTrigger } from './schedule';
import { releaseLease } from './sql/takeLease';
import { runSyncCycle, type CycleDependencies, type CycleResult } from './syncCycle';
import { SECOND } from './time';

/** Time kept free before the deadline to record the outcome and release the lease. */
export const DEADLINE_RESERVE_MS = 10 * SECOND;

export interface InvocationOptions {
  trigger: SyncTrigger;
  /** When the invocation must have returned (Lambda: now + remaining time). */
  deadline: Date;
  /** Stop starting upstream requests this long before the deadline: one request's worst case. */
  requestBudgetMs: number;
}

export interface InvocationResult {
  cycles: CycleResult[];
}

/**
 * Runs the cycles of one invocation. A schedule tick comes every minute: an
 * interval under a minute runs several cycles spaced by the interval, and a
 * backoff delay that ends before the next tick is waited here and the cycle
 * retried. Anything later is left to the first tick at or after it.
 * A manual trigger runs exactly one cycle, ignoring interval and backoff.
 */
export async function runSyncInvocation(deps: CycleDependencies, options: InvocationOptions): Promise<InvocationResult> {
  const { clock } = deps;
  const startedAtMs = clock.now().getTime();
  const deadlineMs = options.deadline.getTime();
  const cycles: CycleResult[] = [];
  const runIds: string[] = [];

  const runOnce = async (): Promise<CycleResult> => {
    const stopRequestsAtMs = deadlineMs - DEADLINE_RESERVE_MS - options.requestBudgetMs;
    const runId = randomUUID();
    const earlierRunIds = [...runIds];
    // Recorded first: a cycle that throws may still have taken the lease.
    runIds.push(runId);
    const result = await runSyncCycle(deps, {
      trigger: options.trigger,
      runId,
      reclaimableLeaseOwners: earlierRunIds,
      stopRequestsAt: new Date(Math.max(clock.now().getTime(), stopRequestsAtMs)),
      leaseExpiresAt: options.deadline,
    });
    cycles.push(result);
    return result;
  };

  try {
    await runCycles(deps, options, runOnce, startedAtMs);
  } finally {
    // A cycle whose release failed (database down) left the lease behind;
    // another try here spares the next invocation a wait until it expires.
    await releaseLease(deps.sql, runIds).catch(() => {});
  }
  return { cycles };
}

async function runCycles(
  deps: CycleDependencies,
  options: InvocationOptions,
  runOnce: () => Promise<CycleResult>,
  startedAtMs: number,
): Promise<void> {
  const nextTickMs = startedAtMs + SCHEDULE_TICK_MS;
  const deadlineMs = options.deadline.getTime();
  if (options.trigger === 'manual') {
    await runOnce();
    return;
  }

  const slots = cyclesPerInvocation(deps.config.pollIntervalMs);
  for (let slot = 0; slot < slots; slot++) {
    const slotStartMs = startedAtMs + slot * deps.config.pollIntervalMs;
    await sleepUntil(deps, slotStartMs);

    let result = await runOnce();
    // Wait inside this invocation for a retry or a skipped cycle that becomes
    // due before the next tick (or the next slot) would take it up.
    const slotEndMs = Math.min(nextTickMs, slot + 1 < slots ? slotStartMs + deps.config.pollIntervalMs : nextTickMs);
    while (shouldWaitFor(result, slotEndMs, deadlineMs)) {
      await sleepUntil(deps, waitTargetMs(result));
      result = await runOnce();
    }
  }
}

function waitTargetMs(result: CycleResult): number {
  if (result.status === 'failure') {
    return result.nextAttemptAt.getTime();
  }
  if (result.status === 'not_due') {
    return result.dueAt.getTime();
  }
  return Number.POSITIVE_INFINITY;
}

function shouldWaitFor(result: CycleResult, slotEndMs: number, deadlineMs: number): boolean {
  const isBackoff = result.status === 'failure' || (result.status === 'not_due' && result.reason === 'backoff');
  if (!isBackoff) {
    return false;
  }
  const targetMs = waitTargetMs(result);
  return targetMs < slotEndMs && targetMs < deadlineMs - DEADLINE_RESERVE_MS;
}

async function sleepUntil(deps: CycleDependencies, targetMs: number): Promise<void> {
  const delayMs = targetMs - deps.clock.now().getTime();
  if (delayMs > 0) {
    await deps.clock.sleep(delayMs);
  }
}
