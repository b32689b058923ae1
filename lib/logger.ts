import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from './config';

export const SERVICE_NAME = 'cursor-usage-aggregator';

/** Creates the JSON logger; one per process, shared by the handlers. */
export function createLogger(logLevel: LogLevel = 'INFO'): Logger {
  return new Logger({ serviceName: SERVICE_NAME, logLevel });
}
