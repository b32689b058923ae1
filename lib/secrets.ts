import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { AggregatorError } from './errors';

/**
 * How long a parameter read from SSM is reused, in seconds. Reads are cached
 * across invocations of a container; a rotated secret is picked up within
 * this time.
 */
export const SECRET_MAX_AGE_SECONDS = 300;

/** A secret could not be read from SSM Parameter Store. The message never contains its value. */
export class SecretError extends AggregatorError {
  constructor(
    readonly parameter: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Reads SecureString parameters by name. */
export interface SecretSource {
  /** Returns the decrypted value; `variable` names the setting, for error messages. */
  get(parameter: string, variable: string): Promise<string>;
}

/** Reads parameters with Powertools' SSM provider, decrypted and cached for SECRET_MAX_AGE_SECONDS. */
export function createSsmSecretSource(provider: SSMProvider = new SSMProvider()): SecretSource {
  return {
    async get(parameter, variable) {
      let value: unknown;
      try {
        value = await provider.get(parameter, { decrypt: true, maxAge: SECRET_MAX_AGE_SECONDS });
      } catch (error) {
        throw describeReadFailure(parameter, variable, error);
      }
      if (typeof value !== 'string' || value.trim() === '') {
        throw new SecretError(
          parameter,
          `The SSM parameter "${parameter}" named by ${variable} is empty. Store the secret in it as a SecureString.`,
        );
      }
      return value.trim();
    },
  };
}

function describeReadFailure(parameter: string, variable: string, error: unknown): SecretError {
  // Powertools wraps the SDK's error; its name says what went wrong.
  const cause = (error as { cause?: { name?: string } }).cause;
  const name = cause?.name ?? (error as { name?: string }).name ?? 'Error';

  if (name === 'ParameterNotFound' || name === 'ParameterNotFoundError') {
    return new SecretError(
      parameter,
      `The SSM parameter "${parameter}" named by ${variable} was not found. Create it as a SecureString, or fix ${variable}.`,
      { cause: error },
    );
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'KMSAccessDeniedException') {
    return new SecretError(
      parameter,
      `Access denied reading the SSM parameter "${parameter}" named by ${variable}: the function's role needs ` +
        'ssm:GetParameter on it, and kms:Decrypt when a customer managed key encrypts it.',
      { cause: error },
    );
  }
  return new SecretError(
    parameter,
    `Failed to read the SSM parameter "${parameter}" named by ${variable} (${name}); the cycle is retried after the backoff delay.`,
    { cause: error },
  );
}
