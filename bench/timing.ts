/** A start time from the monotonic clock, in milliseconds. */
export type Timer = number;

export function startTimer(): Timer {
  return performance.now();
}

export function elapsedMsSince(started: Timer): number {
  return performance.now() - started;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function rowsPerSecond(rows: number, durationMs: number): number {
  return durationMs > 0 ? (rows * 1000) / durationMs : Number.NaN;
}
