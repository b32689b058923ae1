import { parseArgs } from 'node:util';

/** Team sizes (developers) measured when `--sizes` is not given, each over 90 days. */
export const DEFAULT_SIZES = [100, 1_000, 10_000] as const;
export const DEFAULT_RUNS = 3;
export const HISTORY_DAYS = 90;

/** Largest size at which the naive baseline runs: one row per round trip would take minutes per run at 10,000 × 90. */
export const MAX_NAIVE_DEVELOPERS = 1_000;

const MAX_DEVELOPERS = 100_000;
const MAX_RUNS = 20;

export interface BenchOptions {
  sizes: number[];
  runs: number;
}

export class BenchUsageError extends Error {}

export const USAGE = `Usage: npm run bench -- [--sizes 100,1000,10000] [--runs 3]

  --sizes  team sizes in developers, comma-separated, each with ${HISTORY_DAYS} days of history (default ${DEFAULT_SIZES.join(',')})
  --runs   repetitions of each measurement; the median is reported (default ${DEFAULT_RUNS})

Set BENCH_DATABASE_URL to measure on an existing PostgreSQL server instead of
an embedded one; its user needs the CREATEDB privilege.`;

/** Parses the command line; throws BenchUsageError naming the option, the value and the rule. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        sizes: { type: 'string' },
        runs: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  if (parsed.values.help === true) {
    return 'help';
  }

  const sizes = parsed.values.sizes === undefined ? [...DEFAULT_SIZES] : parseSizes(parsed.values.sizes);
  const runs = parsed.values.runs === undefined ? DEFAULT_RUNS : parseRuns(parsed.values.runs);
  return { sizes, runs };
}

function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((part) => part.trim());
  for (const size of sizes) {
    if (!/^\d+$/.test(size) || Number(size) < 1 || Number(size) > MAX_DEVELOPERS) {
      throw new BenchUsageError(`Invalid --sizes "${text}": expected developer counts from 1 to ${MAX_DEVELOPERS}, comma-separated, such as 100,1000.`);
    }
  }
  return [...new Set(sizes.map(Number))].sort((a, b) => a - b);
}

function parseRuns(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_RUNS) {
    throw new BenchUsageError(`Invalid --runs "${text}": expected an integer from 1 to ${MAX_RUNS}.`);
  }
  return Number(text);
}
