import type { Sql } from '../../lib/db';
import { toIsoDate, startOfDayMs, type IsoDate } from '../../lib/time';
import { COUNT_COLUMNS, COUNT_FIELDS, TEXT_COLUMNS, TEXT_FIELDS } from '../../lib/usageRecord';
import { splitRange, type DateRange } from '../../lib/window';

/**
 * Developer-days keyed by `<email> <YYYY-MM-DD>`. Each value is the JSON array
 * of the day's values (is_active, the counts, the texts), so two sets compare
 * as strings.
 */
export type UsageByDay = Map<string, string>;

export interface UsageDifference {
  /** Keys in the expected set that are not stored. */
  missing: string[];
  /** Stored keys that the expected set does not contain. */
  unexpected: string[];
  /** Keys stored with other values than expected. */
  changed: string[];
}

/**
 * Fetches the days of `range` from the simulator over HTTP, in requests of at
 * most 30 days sent at the same time, as the sync would store them.
 */
export async function fetchSimulatorUsage(simulatorUrl: string, range: DateRange): Promise<UsageByDay> {
  const responses = await Promise.all(
    splitRange(range, 30).map(async (request) => {
      const response = await fetch(`${simulatorUrl}/teams/daily-usage-data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ startDate: startOfDayMs(request.start), endDate: startOfDayMs(request.end) }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) {
        throw new Error(`The simulator returned ${response.status} for ${request.start}..${request.end}.`);
      }
      return (await response.json()) as { data: Record<string, unknown>[] };
    }),
  );

  const usage: UsageByDay = new Map();
  for (const { data } of responses) {
    for (const record of data) {
      const key = `${String(record.email).toLowerCase()} ${toIsoDate(Number(record.date))}`;
      const values = [record.isActive ?? null, ...COUNT_FIELDS.map((field) => record[field] ?? null), ...TEXT_FIELDS.map((field) => record[field] ?? null)];
      usage.set(key, JSON.stringify(values));
    }
  }
  return usage;
}

/** Reads every stored developer-day in the same form as `fetchSimulatorUsage`. */
export async function readStoredUsage(sql: Sql): Promise<UsageByDay> {
  const columns = ['is_active', ...COUNT_FIELDS.map((field) => COUNT_COLUMNS[field]), ...TEXT_FIELDS.map((field) => TEXT_COLUMNS[field])];
  const rows = await sql<Record<string, unknown>[]>`
    select d.email, s.*
    from daily_stats s join developers d on d.id = s.developer_id
    order by d.email, s.date
  `;
  const usage: UsageByDay = new Map();
  for (const row of rows) {
    usage.set(`${String(row.email)} ${String(row.date)}`, JSON.stringify(columns.map((column) => row[column] ?? null)));
  }
  return usage;
}

/** Keeps the developer-days from `start` through `end`, both included. */
export function usageWithin(usage: UsageByDay, start: IsoDate, end: IsoDate): UsageByDay {
  const selected: UsageByDay = new Map();
  for (const [key, values] of usage) {
    const date = key.slice(key.lastIndexOf(' ') + 1);
    if (date >= start && date <= end) {
      selected.set(key, values);
    }
  }
  return selected;
}

export function compareUsage(expected: UsageByDay, stored: UsageByDay): UsageDifference {
  const difference: UsageDifference = { missing: [], unexpected: [], changed: [] };
  for (const [key, values] of expected) {
    const storedValues = stored.get(key);
    if (storedValues === undefined) {
      difference.missing.push(key);
    } else if (storedValues !== values) {
      difference.changed.push(key);
    }
  }
  for (const key of stored.keys()) {
    if (!expected.has(key)) {
      difference.unexpected.push(key);
    }
  }
  return difference;
}
