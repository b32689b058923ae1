import { z } from 'zod';
import type { IsoDate } from '../time';
import type { DateRange } from '../window';
import { DEFAULT_LISTED_RUNS, DEFAULT_STATUS_RUNS, parseBackfillRange, parseDate, validateRunCount } from './arguments';
import { InvalidOperatorRequestError } from './errors';

/** A validated request to one invocation of the `sync` function. */
export type SyncRequest =
  | { action: 'schedule' }
  | { action: 'sync' }
  | { action: 'status'; runs: number }
  | { action: 'runs'; last: number }
  | { action: 'backfill'; range: DateRange }
  | { action: 'reset'; watermark: IsoDate };

export type SyncAction = SyncRequest['action'];

/** The requests that run an operator action instead of a sync cycle. */
export type OperatorRequest = Exclude<SyncRequest, { action: 'schedule' | 'sync' }>;

const PAYLOAD_ACTIONS = ['sync', 'status', 'runs', 'backfill', 'reset'] as const;

const PAYLOAD_EXAMPLES: Record<(typeof PAYLOAD_ACTIONS)[number], string> = {
  sync: '{"action":"sync"}',
  status: '{"action":"status","runs":5}',
  runs: '{"action":"runs","last":20}',
  backfill: '{"action":"backfill","from":"2026-01-01","to":"2026-01-31"}',
  reset: '{"action":"reset","watermark":"2026-01-31"}',
};

// `sync` keeps ignoring other keys, as it always has; the operator actions
// reject unknown keys, so that a misspelled "form" is not silently dropped.
const payloadSchema = z.discriminatedUnion('action', [
  z.looseObject({ action: z.literal('sync') }),
  z.strictObject({ action: z.literal('status'), runs: z.number().optional() }),
  z.strictObject({ action: z.literal('runs'), last: z.number().optional() }),
  z.strictObject({ action: z.literal('backfill'), from: z.string(), to: z.string() }),
  z.strictObject({ action: z.literal('reset'), watermark: z.string() }),
]);

/**
 * Returns the action of a `sync` event: `schedule` for an event without
 * `action` (EventBridge), else the payload's action. Throws
 * InvalidOperatorRequestError for an unknown action.
 */
export function actionOf(event: unknown): SyncAction {
  const action = (event as { action?: unknown } | null)?.action;
  if (action === undefined) {
    return 'schedule';
  }
  if (typeof action !== 'string' || !(PAYLOAD_ACTIONS as readonly string[]).includes(action)) {
    throw new InvalidOperatorRequestError(
      `Unknown action "${String(action)}" in the sync payload: expected one of ${PAYLOAD_ACTIONS.join(', ')} ` +
        `(for example ${PAYLOAD_EXAMPLES.sync}), or a schedule event without "action".`,
    );
  }
  return action as SyncAction;
}

/**
 * Parses and validates a `sync` event. Dates are checked against `today`
 * (UTC). Throws InvalidOperatorRequestError naming the field and the value.
 */
export function parseSyncRequest(event: unknown, today: IsoDate): SyncRequest {
  const action = actionOf(event);
  if (action === 'schedule') {
    return { action };
  }

  const parsed = payloadSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`);
    throw new InvalidOperatorRequestError(
      `Invalid "${action}" payload (${problems.join('; ')}). Expected, for example, ${PAYLOAD_EXAMPLES[action]}.`,
    );
  }

  const payload = parsed.data;
  switch (payload.action) {
    case 'sync':
      return { action: 'sync' };
    case 'status':
      return { action: 'status', runs: payload.runs === undefined ? DEFAULT_STATUS_RUNS : validateRunCount('runs', payload.runs) };
    case 'runs':
      return { action: 'runs', last: payload.last === undefined ? DEFAULT_LISTED_RUNS : validateRunCount('last', payload.last) };
    case 'backfill':
      return { action: 'backfill', range: parseBackfillRange(payload.from, payload.to, today, { from: 'from', to: 'to' }) };
    case 'reset':
      return { action: 'reset', watermark: parseDate('watermark', payload.watermark) };
  }
}
