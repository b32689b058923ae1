/**
 * `npm run ops -- <command>`: the operator commands status, runs, backfill
 * and reset (see `npm run ops -- --help`). Exit 0 when done, 1 when the
 * command failed or a sync holds the lease, 2 for invalid usage or
 * configuration.
 */
import { LOG_LEVELS } from '../lib/config';
import { ConfigError, toError } from '../lib/errors';
import { parseCommandLine, type OperatorCommand } from '../lib/ops/arguments';
import { runBackfill } from '../lib/ops/backfill';
import { InvalidOperatorRequestError } from '../lib/ops/errors';
import { formatBackfill, formatReset, formatRuns, formatStatus } from '../lib/ops/formatReports';
import { helpText } from '../lib/ops/help';
import { resetWatermark } from '../lib/ops/resetWatermark';
import { listRuns } from '../lib/ops/runs';
import { readStatus } from '../lib/ops/status';
import { applyMigrations, findMigrationsDirectory, Runtime } from '../lib/runtime';
import { isConnectionCode, sanitizeError } from '../lib/sanitize';
import { toIsoDate } from '../lib/time';
import { embeddedDatabaseHint } from './databaseHint';

const EXIT_DONE = 0;
const EXIT_FAILED = 1;
const EXIT_INVALID_USAGE = 2;

async function main(argv: readonly string[]): Promise<number> {
  let command: OperatorCommand;
  try {
    command = parseCommandLine(argv, toIsoDate(Date.now()));
  } catch (error) {
    return reportInvalidUsage(error);
  }
  if (command.command === 'help') {
    process.stdout.write(helpText(command.topic));
    return EXIT_DONE;
  }

  let runtime: Runtime;
  try {
    runtime = new Runtime(process.env, { maxConnections: 2, connectTimeoutSeconds: 10 });
  } catch (error) {
    return reportInvalidUsage(error);
  }

  try {
    if (command.command === 'status' || command.command === 'runs') {
      // The report is the output: keep info lines (such as applied migrations) out of it.
      quietenLogger(runtime);
    }
    await runtime.prepare();
    await applyMigrations(runtime, findMigrationsDirectory(process.env));
    return await runCommand(runtime, command);
  } catch (error) {
    if (error instanceof InvalidOperatorRequestError || error instanceof ConfigError) {
      return reportInvalidUsage(error);
    }
    process.stderr.write(`${describeFailure(runtime, error)}\n`);
    return EXIT_FAILED;
  } finally {
    await runtime.close();
  }
}

async function runCommand(runtime: Runtime, command: Exclude<OperatorCommand, { command: 'help' }>): Promise<number> {
  switch (command.command) {
    case 'status': {
      const { report, details } = await readStatus(runtime, { runs: command.runs });
      printResult(command.json ? JSON.stringify(report, null, 2) : formatStatus(report, details, runtime.clock.now()));
      return EXIT_DONE;
    }
    case 'runs': {
      const runs = await listRuns(runtime.sql, command.last);
      printResult(command.json ? JSON.stringify(runs, null, 2) : formatRuns(runs));
      return EXIT_DONE;
    }
    case 'backfill': {
      const result = await runBackfill(
        {
          sql: runtime.sql,
          source: runtime.createCursorClient(),
          clock: runtime.clock,
          logger: runtime.logger,
          secrets: runtime.secrets,
        },
        { range: command.range },
      );
      if (result.status === 'success') {
        printResult(formatBackfill(result));
        return EXIT_DONE;
      }
      process.stderr.write(`${formatBackfill(result)}\n`);
      return EXIT_FAILED;
    }
    case 'reset': {
      const result = await resetWatermark(runtime, { watermark: command.watermark });
      if (result.status === 'reset') {
        printResult(formatReset(result));
        return EXIT_DONE;
      }
      process.stderr.write(`${formatReset(result)}\n`);
      return EXIT_FAILED;
    }
  }
}

function printResult(text: string): void {
  process.stdout.write(`${text}\n`);
}

function reportInvalidUsage(error: unknown): number {
  if (error instanceof InvalidOperatorRequestError || error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT_INVALID_USAGE;
  }
  throw error;
}

/** Raises the log level to WARN unless the configured level is WARN or higher already. */
function quietenLogger(runtime: Runtime): void {
  if (LOG_LEVELS.indexOf(runtime.config.logLevel) < LOG_LEVELS.indexOf('WARN')) {
    runtime.logger.setLogLevel('WARN');
  }
}

/** Explains a failure without secrets, pointing at `npm start` when its embedded server is the missing database. */
function describeFailure(runtime: Runtime, thrown: unknown): string {
  const code = (toError(thrown) as { code?: unknown }).code;
  if (typeof code === 'string' && isConnectionCode(code)) {
    return embeddedDatabaseHint(runtime.config) ?? `The database is unreachable (${code}). Check DATABASE_URL.`;
  }
  return `The command failed: ${sanitizeError(thrown, runtime.secrets)}`;
}

process.exitCode = await main(process.argv.slice(2));
