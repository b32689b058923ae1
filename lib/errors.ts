/**
 * Errors of the aggregator. Each situation has its own class so callers can
 * classify a failure without parsing messages; `cause` keeps the original.
 */
export class AggregatorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An environment variable has an invalid value; the process must not start. */
export class ConfigError extends AggregatorError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** The reason an upstream request failed, as the retry rules and the health report classify it. */
export type UpstreamFailureKind =
  | 'authentication'
  | 'bad_request'
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'malformed_response'
  | 'response_too_large'
  | 'unexpected_status';

export class UpstreamError extends AggregatorError {
  constructor(
    readonly kind: UpstreamFailureKind,
    message: string,
    readonly details: {
      status?: number;
      /** The upstream's Retry-After, converted to milliseconds from now. */
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: details.cause });
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }
}

/** The database could not be reached or refused the connection. */
export class DatabaseUnavailableError extends AggregatorError {}

/** Converts any thrown value into an Error, so it can be classified and logged. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) {
    return thrown;
  }
  return new Error(typeof thrown === 'string' ? thrown : `Non-error value thrown: ${String(thrown)}`);
}
