// Settings of the simulator: read from SIMULATOR_* environment variables by
// `loadSimulatorConfig`, or passed to `startSimulator` as options. Both paths check
// the same limits and name the variable or option, the value and the rule.

import { SimulatorConfigError, InvalidFaultsError } from './errors.js';
import { parseFaults, type Faults, type FaultsInput } from './faults.js';

/** Options of `startSimulator`, each with a default. */
export interface SimulatorOptions {
  /** TCP port on 127.0.0.1, or 0 for a free port. Default 4010. */
  port?: number;
  /** Seed of all generated data. Default 42. */
  seed?: number;
  /** Developers in the team, departed ones included. Default 100. */
  developers?: number;
  /** Days with usage data, today included. Default 90. */
  historyDays?: number;
  /** When set, requests must carry it as the HTTP Basic user name. */
  apiKey?: string;
  /** API requests admitted per minute, or 0 for no limit. Default 20. */
  rateLimitPerMin?: number;
  /** Faults active from the start. */
  faults?: FaultsInput;
  /** Clock of the data, truncated to the hour on each request. Default: real time. */
  now?: () => Date;
  /** Receives errors that the server caught while handling a request. Default: write to stderr. */
  onError?: (error: Error) => void;
}

/** Options with every default filled in and every value checked. */
export interface SimulatorSettings {
  port: number;
  seed: number;
  developers: number;
  historyDays: number;
  apiKey: string | undefined;
  rateLimitPerMin: number;
  faults: Faults;
  now: () => Date;
  onError: (error: Error) => void;
}

interface IntegerRule {
  variable: string;
  defaultValue: number;
  min: number;
  max: number;
}

const INTEGER_RULES = {
  port: { variable: 'SIMULATOR_PORT', defaultValue: 4010, min: 0, max: 65_535 },
  seed: { variable: 'SIMULATOR_SEED', defaultValue: 42, min: 0, max: 4_294_967_295 },
  developers: { variable: 'SIMULATOR_DEVELOPERS', defaultValue: 100, min: 1, max: 100_000 },
  historyDays: { variable: 'SIMULATOR_HISTORY_DAYS', defaultValue: 90, min: 1, max: 3660 },
  rateLimitPerMin: { variable: 'SIMULATOR_RATE_LIMIT_PER_MIN', defaultValue: 20, min: 0, max: 1_000_000 },
} as const satisfies Record<string, IntegerRule>;

type IntegerSetting = keyof typeof INTEGER_RULES;

// ISO 8601 date, or date and time with a UTC offset. A time without an offset is
// rejected because JavaScript would read it in the machine's time zone.
const ISO_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Reads the simulator's settings from the environment.
 * Throws SimulatorConfigError naming the variable, its value and the rule.
 */
export function loadSimulatorConfig(env: NodeJS.ProcessEnv): Readonly<SimulatorOptions> {
  const options: SimulatorOptions = {};

  for (const [setting, rule] of Object.entries(INTEGER_RULES) as [IntegerSetting, IntegerRule][]) {
    const text = env[rule.variable]?.trim();
    if (text !== undefined && text !== '') {
      options[setting] = parseIntegerVariable(rule, text);
    }
  }

  const fixedNow = env.SIMULATOR_NOW?.trim();
  if (fixedNow !== undefined && fixedNow !== '') {
    const time = parseIsoTime(fixedNow);
    options.now = () => new Date(time);
  }

  const apiKey = env.SIMULATOR_API_KEY?.trim();
  if (apiKey !== undefined && apiKey !== '') {
    checkApiKey(apiKey, 'SIMULATOR_API_KEY');
    options.apiKey = apiKey;
  }

  const faults = env.SIMULATOR_FAULTS?.trim();
  if (faults !== undefined && faults !== '') {
    options.faults = parseFaultsVariable(faults);
  }

  return Object.freeze(options);
}

/**
 * Fills in the defaults of `startSimulator` options and checks every value.
 * Throws SimulatorConfigError naming the option, its value and the rule.
 */
export function resolveSimulatorSettings(options: SimulatorOptions): SimulatorSettings {
  const integer = (setting: IntegerSetting): number => {
    const rule = INTEGER_RULES[setting];
    const value = options[setting] ?? rule.defaultValue;
    if (!Number.isInteger(value) || value < rule.min || value > rule.max) {
      throw new SimulatorConfigError(`Option ${setting} is ${String(value)}: expected an integer from ${rule.min} to ${rule.max}.`);
    }
    return value;
  };

  if (options.apiKey !== undefined) {
    checkApiKey(options.apiKey, 'Option apiKey');
  }

  let faults: Faults;
  try {
    faults = parseFaults(options.faults ?? {});
  } catch (error) {
    throw new SimulatorConfigError(`Option faults is invalid: ${(error as Error).message}`, { cause: error });
  }

  return {
    port: integer('port'),
    seed: integer('seed'),
    developers: integer('developers'),
    historyDays: integer('historyDays'),
    apiKey: options.apiKey,
    rateLimitPerMin: integer('rateLimitPerMin'),
    faults,
    now: options.now ?? (() => new Date()),
    onError: options.onError ?? ((error) => console.error(`Simulator request failed: ${error.stack ?? error.message}`)),
  };
}

function parseIntegerVariable(rule: IntegerRule, text: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < rule.min || value > rule.max) {
    throw new SimulatorConfigError(`${rule.variable} is "${text}": expected an integer from ${rule.min} to ${rule.max}.`);
  }
  return value;
}

function parseIsoTime(text: string): number {
  const time = Date.parse(text);
  if (!ISO_TIME_PATTERN.test(text) || Number.isNaN(time) || !isCalendarDate(text.slice(0, 10))) {
    throw new SimulatorConfigError(
      `SIMULATOR_NOW is "${text}": expected an ISO 8601 date, or a time with a UTC offset such as 2025-06-18T14:30:00Z.`,
    );
  }
  return time;
}

// Date.parse rolls 2025-02-30 over to March 2 instead of rejecting it.
function isCalendarDate(yyyyMmDd: string): boolean {
  const [year, month, day] = yyyyMmDd.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

// The message leaves the key out because it is a secret.
function checkApiKey(apiKey: string, name: string): void {
  if (apiKey === '' || apiKey.includes(':')) {
    throw new SimulatorConfigError(`${name} is empty or contains ":": expected a non-empty key without ":", because the key is sent as the HTTP Basic user name.`);
  }
}

function parseFaultsVariable(text: string): Faults {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SimulatorConfigError(`SIMULATOR_FAULTS is ${text}: expected a JSON object of faults (${(error as Error).message}).`, { cause: error });
  }
  try {
    return parseFaults(value);
  } catch (error) {
    if (error instanceof InvalidFaultsError) {
      throw new SimulatorConfigError(`SIMULATOR_FAULTS is ${text}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
