/** Returns the exit code of a finished child process from execFile's error: 0 without one, -1 when it was killed. */
export function exitCodeOf(error: { code?: unknown } | null): number {
  if (error === null) {
    return 0;
  }
  return typeof error.code === 'number' ? error.code : -1;
}
