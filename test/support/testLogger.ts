import { Logger } from '@aws-lambda-powertools/logger';

export interface CapturedLog {
  level: string;
  message: string;
  [key: string]: unknown;
}

/** Creates a Powertools logger whose JSON lines are kept in `lines` instead of printed. */
export function createCapturingLogger(): { logger: Logger; lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const sink = {
    log: (text: string) => lines.push(JSON.parse(text) as CapturedLog),
  };
  const consoleLike = { info: sink.log, warn: sink.log, error: sink.log, debug: sink.log, trace: sink.log, log: sink.log };
  const logger = new Logger({ serviceName: 'cursor-usage-aggregator-test', logLevel: 'DEBUG' });
  // Powertools writes through its own console; replace it so tests can read the lines.
  (logger as unknown as { console: unknown }).console = consoleLike;
  return { logger, lines };
}
