import { AggregatorError } from '../errors';

/**
 * An operator's command or `sync` payload is invalid: a malformed date, a
 * reversed range, an unknown option, or a reset the sync state rejects. Nothing
 * was changed; the command line exits 2.
 */
export class InvalidOperatorRequestError extends AggregatorError {}

/**
 * A backfill found its lease taken by another run: it expired while a request
 * was in flight, and a sync cycle took it over. The backfill stops before it
 * writes again, because the write path assumes the lease holder is the only
 * writer of daily_stats.
 */
export class LeaseLostError extends AggregatorError {}
