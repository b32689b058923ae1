// Time units and UTC day arithmetic for the simulator. The simulator keeps its own
// copy instead of importing lib/, because it emulates a third-party API.

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Number of whole UTC days from 1970-01-01 to the day that contains `epochMs`. */
export function dayNumberOf(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

/** Epoch milliseconds of the start of the UTC hour that contains `date`. */
export function truncateToHour(date: Date): number {
  return Math.floor(date.getTime() / HOUR_MS) * HOUR_MS;
}

/** Day of the week of a UTC day number, 0 for Sunday to 6 for Saturday. */
export function weekdayOf(dayNumber: number): number {
  // 1970-01-01 (day 0) was a Thursday.
  return (((dayNumber + 4) % 7) + 7) % 7;
}
