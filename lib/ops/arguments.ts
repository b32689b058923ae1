import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isIsoDate, type IsoDate } from '../time';
import type { DateRange } from '../window';
import { InvalidOperatorRequestError } from './errors';

/** Runs shown by `status` when `--runs` is not given. */
export const DEFAULT_STATUS_RUNS = 5;

/** Runs listed by `runs` when `--last` is not given. */
export const DEFAULT_LISTED_RUNS = 20;

/**
 * Maximum runs one command lists. The sync may record a run a minute, so a
 * full history of RETENTION_DAYS can contain far more than a terminal can show.
 */
export const MAX_LISTED_RUNS = 1000;

export const COMMAND_NAMES = ['status', 'runs', 'backfill', 'reset'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Field names of a request in messages: `--from` on the command line, `from` in a payload. */
export interface FieldNames {
  from: string;
  to: string;
}

export const COMMAND_LINE_FIELDS: FieldNames = { from: '--from', to: '--to' };

/** Parses a `YYYY-MM-DD` calendar date; throws InvalidOperatorRequestError naming the field and the value. */
export function parseDate(field: string, text: string): IsoDate {
  if (!isIsoDate(text)) {
    throw new InvalidOperatorRequestError(
      `Invalid ${field} "${text}": expected a calendar date as YYYY-MM-DD, for example 2026-01-31.`,
    );
  }
  return text;
}

/**
 * Parses the inclusive range of a backfill: two valid dates, the first not
 * after the last, and the last not after `today` (UTC), because the upstream
 * has no usage for days to come.
 */
export function parseBackfillRange(from: string, to: string, today: IsoDate, fields: FieldNames = COMMAND_LINE_FIELDS): DateRange {
  const start = parseDate(fields.from, from);
  const end = parseDate(fields.to, to);
  if (start > end) {
    throw new InvalidOperatorRequestError(
      `Invalid range: ${fields.from} ${start} is after ${fields.to} ${end}; a range must not end before it starts.`,
    );
  }
  if (end > today) {
    throw new InvalidOperatorRequestError(
      `Invalid ${fields.to} "${end}": it is after today (${today} UTC), and the upstream has no usage for later days.`,
    );
  }
  return { start, end };
}

/** Parses a count of runs to list: a whole number from 1 to MAX_LISTED_RUNS. */
export function parseRunCount(field: string, text: string): number {
  if (!/^\d+$/.test(text)) {
    throw runCountError(field, text);
  }
  return validateRunCount(field, Number(text));
}

/** Checks a count of runs given as a number, as a `sync` payload sends it. */
export function validateRunCount(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_LISTED_RUNS) {
    throw runCountError(field, String(value));
  }
  return value;
}

function runCountError(field: string, text: string): InvalidOperatorRequestError {
  return new InvalidOperatorRequestError(`Invalid ${field} "${text}": expected a whole number from 1 to ${MAX_LISTED_RUNS}.`);
}

/** A command line of `npm run ops`, parsed and validated. */
export type OperatorCommand =
  | { command: 'help'; topic: CommandName | undefined }
  | { command: 'status'; runs: number; json: boolean }
  | { command: 'runs'; last: number; json: boolean }
  | { command: 'backfill'; range: DateRange }
  | { command: 'reset'; watermark: IsoDate };

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

const COMMAND_OPTIONS = {
  status: { ...HELP_OPTION, json: { type: 'boolean' }, runs: { type: 'string' } },
  runs: { ...HELP_OPTION, json: { type: 'boolean' }, last: { type: 'string' } },
  backfill: { ...HELP_OPTION, from: { type: 'string' }, to: { type: 'string' } },
  reset: { ...HELP_OPTION, watermark: { type: 'string' } },
} as const;

/**
 * Parses the arguments after `npm run ops --`. Dates are checked against
 * `today` (UTC). Throws InvalidOperatorRequestError naming the command, the
 * option and the value.
 */
export function parseCommandLine(argv: readonly string[], today: IsoDate): OperatorCommand {
  const [first, ...rest] = argv;
  if (first === undefined) {
    throw new InvalidOperatorRequestError(
      `Missing command: expected one of ${COMMAND_NAMES.join(', ')}. Run \`npm run ops -- --help\` for what each does.`,
    );
  }
  if (first === '--help' || first === '-h') {
    return { command: 'help', topic: undefined };
  }
  if (first === 'help') {
    return { command: 'help', topic: rest[0] === undefined ? undefined : parseCommandName(rest[0]) };
  }
  const command = parseCommandName(first);

  switch (command) {
    case 'status': {
      const values = parseOptions(command, rest, COMMAND_OPTIONS.status);
      if (values.help === true) {
        return { command: 'help', topic: command };
      }
      const runs = values.runs === undefined ? DEFAULT_STATUS_RUNS : parseRunCount('--runs', values.runs);
      return { command, runs, json: values.json === true };
    }
    case 'runs': {
      const values = parseOptions(command, rest, COMMAND_OPTIONS.runs);
      if (values.help === true) {
        return { command: 'help', topic: command };
      }
      const last = values.last === undefined ? DEFAULT_LISTED_RUNS : parseRunCount('--last', values.last);
      return { command, last, json: values.json === true };
    }
    case 'backfill': {
      const values = parseOptions(command, rest, COMMAND_OPTIONS.backfill);
      if (values.help === true) {
        return { command: 'help', topic: command };
      }
      const from = requireOption(command, '--from', values.from);
      const to = requireOption(command, '--to', values.to);
      return { command, range: parseBackfillRange(from, to, today) };
    }
    case 'reset': {
      const values = parseOptions(command, rest, COMMAND_OPTIONS.reset);
      if (values.help === true) {
        return { command: 'help', topic: command };
      }
      const watermark = requireOption(command, '--watermark', values.watermark);
      return { command, watermark: parseDate('--watermark', watermark) };
    }
  }
}

function parseCommandName(text: string): CommandName {
  if (!(COMMAND_NAMES as readonly string[]).includes(text)) {
    throw new InvalidOperatorRequestError(
      `Unknown command "${text}": expected one of ${COMMAND_NAMES.join(', ')}. Run \`npm run ops -- --help\` for what each does.`,
    );
  }
  return text as CommandName;
}

/** Runs node:util parseArgs in strict mode and turns its TypeError into a message for the operator. */
function parseOptions<Options extends NonNullable<ParseArgsConfig['options']>>(command: CommandName, args: readonly string[], options: Options) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new InvalidOperatorRequestError(describeParseError(command, error), { cause: error });
  }
  const [unexpected] = parsed.positionals;
  if (unexpected !== undefined) {
    throw new InvalidOperatorRequestError(
      `Unexpected argument "${unexpected}" for ${command}: it takes only options. Run \`npm run ops -- ${command} --help\` for them.`,
    );
  }
  return parsed.values;
}

function describeParseError(command: CommandName, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const help = `Run \`npm run ops -- ${command} --help\` for its options.`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    // Node.js names the option in quotes: "Unknown option '--form'. To specify ...".
    const option = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `Unknown option "${option}" for ${command}. ${help}`;
  }
  return `Invalid options for ${command}: ${message.replace(/\.?$/, '.')} ${help}`;
}

function requireOption(command: CommandName, option: string, value: string | undefined): string {
  if (value === undefined) {
    throw new InvalidOperatorRequestError(
      `Missing ${option} for ${command}. Run \`npm run ops -- ${command} --help\` for its options.`,
    );
  }
  return value;
}
