import { AggregatorError, toError, UpstreamError } from './errors';

const MAX_MESSAGE_LENGTH = 500;

// Anything URL-shaped with credentials (postgres://user:password@host); the
// password may contain colons.
const URL_WITH_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/@:]*):[^\s/@]*@/gi;

/**
 * Turns a failure into a message that is safe to store and show: no stack,
 * no connection string, and none of the given secret values.
 */
export function sanitizeError(thrown: unknown, secrets: readonly (string | undefined)[]): string {
  const error = toError(thrown);
  const message = `${describeCategory(error)}: ${error.message}`;
  return redactSecrets(message, secrets).slice(0, MAX_MESSAGE_LENGTH);
}

export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let redacted = text.replace(URL_WITH_CREDENTIALS, '$1:***@');
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) {
      redacted = redacted.split(secret).join('***');
    }
  }
  return redacted;
}

function describeCategory(error: Error): string {
  if (error instanceof UpstreamError) {
    return `upstream ${error.kind.replaceAll('_', ' ')}`;
  }
  if (error instanceof AggregatorError) {
    return error.name;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    return isConnectionCode(code) ? 'database unreachable' : `database error ${code}`;
  }
  return 'error';
}

/** Node.js socket codes and the driver's connection codes. */
export function isConnectionCode(code: string): boolean {
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'EPIPE'].includes(code) ||
    code.startsWith('CONNECT') ||
    code === 'CONNECTION_CLOSED' ||
    code === 'CONNECTION_ENDED' ||
    code === 'CONNECTION_DESTROYED' ||
    // SQLSTATE class 08: connection exception; 57P01..57P03: admin shutdown, crash shutdown, cannot connect now.
    code.startsWith('08') ||
    ['57P01', '57P02', '57P03'].includes(code)
  );
}
