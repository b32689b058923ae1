/** Durations in milliseconds. */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A UTC calendar day written `YYYY-MM-DD`, the form PostgreSQL uses for `date`. */
export type IsoDate = string;

const ISO_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(text: string): boolean {
  if (!ISO_DATE_PATTERN.test(text)) {
    return false;
  }
  const epochMs = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(epochMs) && toIsoDate(epochMs) === text;
}

/** Returns the UTC day that contains the instant `epochMs`. */
export function toIsoDate(epochMs: number): IsoDate {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Returns the epoch milliseconds of the day's 00:00 UTC. */
export function startOfDayMs(date: IsoDate): number {
  return Date.parse(`${date}T00:00:00Z`);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return toIsoDate(startOfDayMs(date) + days * DAY);
}

/** Returns how many days `to` is after `from` (negative when before). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((startOfDayMs(to) - startOfDayMs(from)) / DAY);
}

export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a < b ? a : b;
}

export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a > b ? a : b;
}

/** The source of the current time; tests replace it to move time without waiting. */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
