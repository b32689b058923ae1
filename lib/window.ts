import { addDays, daysBetween, minDate, type IsoDate } from './time';

/** The upstream returns at most 30 days per request (`endDate - startDate` ≤ 29 days). */
export const MAX_DAYS_PER_REQUEST = 30;

/**
 * About 25 MB of JSON per response at roughly 500 bytes a record: large
 * enough that a small team gets 30 days per request, small enough that a team
 * of 10,000 does not need 150 MB per response.
 */
export const TARGET_RECORDS_PER_REQUEST = 50_000;

/** Days of history the full sync covers when SYNC_START_DATE is unset: today and 89 days before. */
export const DEFAULT_FULL_SYNC_DAYS = 90;

/** An inclusive range of UTC days. */
export interface DateRange {
  start: IsoDate;
  end: IsoDate;
}

export interface SyncWindow extends DateRange {
  /** True when there was no watermark, so the window starts at SYNC_START_DATE. */
  fullSync: boolean;
  /** The window cut into upstream requests, oldest first. */
  requests: DateRange[];
}

export interface WindowInput {
  watermark: IsoDate | null;
  today: IsoDate;
  lookbackDays: number;
  /** SYNC_START_DATE, or undefined for today - 89 days. */
  syncStartDate: IsoDate | undefined;
  daysPerRequest: number;
}

/**
 * Plans the days to fetch: from the day after the watermark, or from
 * `today - lookbackDays` when that is earlier (recent days are restated
 * upstream), through today. Without a watermark: from SYNC_START_DATE.
 */
export function planWindow(input: WindowInput): SyncWindow {
  const lookbackStart = addDays(input.today, -input.lookbackDays);
  const fullSync = input.watermark === null;
  const start = fullSync
    ? minDate(defaultStartDate(input), input.today)
    : minDate(addDays(input.watermark as IsoDate, 1), lookbackStart);

  return {
    start,
    end: input.today,
    fullSync,
    requests: splitRange({ start, end: input.today }, input.daysPerRequest),
  };
}

function defaultStartDate(input: WindowInput): IsoDate {
  return input.syncStartDate ?? addDays(input.today, -(DEFAULT_FULL_SYNC_DAYS - 1));
}

/** Cuts an inclusive range into consecutive ranges of at most `daysPerRequest` days. */
export function splitRange(range: DateRange, daysPerRequest: number): DateRange[] {
  const size = Math.max(1, Math.min(MAX_DAYS_PER_REQUEST, Math.floor(daysPerRequest)));
  const requests: DateRange[] = [];
  for (let start = range.start; start <= range.end; start = addDays(start, size)) {
    const end = minDate(addDays(start, size - 1), range.end);
    requests.push({ start, end });
  }
  return requests;
}

/** Sizes requests so that one response contains about TARGET_RECORDS_PER_REQUEST records. */
export function daysPerRequestForTeam(teamSize: number): number {
  const days = Math.floor(TARGET_RECORDS_PER_REQUEST / Math.max(1, teamSize));
  return Math.max(1, Math.min(MAX_DAYS_PER_REQUEST, days));
}

export function rangeLengthDays(range: DateRange): number {
  return daysBetween(range.start, range.end) + 1;
}
