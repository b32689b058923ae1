/** How long the cleanups of a failed or interrupted run may take before the bench exits anyway. */
const CLEANUP_TIMEOUT_MS = 30_000;

const cleanups: (() => Promise<void>)[] = [];
let exiting = false;
let firstFailure: unknown;

/**
 * Registers a cleanup (stopping a server, removing a folder) that also runs
 * when the bench is interrupted or crashes. Returns a function that runs it
 * at most once, for the normal path's `finally`.
 */
export function registerCleanup(cleanup: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = (): Promise<void> => {
    done ??= cleanup();
    return done;
  };
  cleanups.push(once);
  return once;
}

/**
 * Makes Ctrl-C, SIGTERM, an uncaught exception and an unhandled rejection
 * run the registered cleanups before the process exits. Child processes are
 * killed by the `exit` handler of childProcesses.ts.
 */
export function exitAfterCleanupOnFatal(): void {
  process.once('SIGINT', () => void exitAfterCleanup(130, 'Benchmark interrupted (SIGINT); stopping what it started.'));
  process.once('SIGTERM', () => void exitAfterCleanup(143, 'Benchmark terminated (SIGTERM); stopping what it started.'));
  process.on('uncaughtException', (error) => void exitAfterCleanup(1, describeCrash(error)));
  process.on('unhandledRejection', (reason) => void exitAfterCleanup(1, describeCrash(reason)));
}

/**
 * Records the first error of a measurement, because closing the connections
 * after it can raise an uncaught error that would hide it. A COPY stream that
 * the failed code left open emits `error` when its connection is destroyed.
 */
export function recordFailure(error: unknown): void {
  firstFailure ??= error;
}

function describeCrash(error: unknown): string {
  const crash = `Benchmark failed: ${describeError(error)}`;
  return firstFailure === undefined ? crash : `${crash}\nIt followed this error of the measurement: ${describeError(firstFailure)}`;
}

async function exitAfterCleanup(exitCode: number, message: string): Promise<void> {
  process.stderr.write(`${message}\n`);
  if (exiting) {
    return;
  }
  exiting = true;

  const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLEANUP_TIMEOUT_MS).unref());
  const all = Promise.allSettled(cleanups.map((cleanup) => cleanup()));
  await Promise.race([all, timeout]);
  process.exit(exitCode);
}

/** Tells whether the bench is already stopping after a signal or a crash, so later failures are its consequence. */
export function isExiting(): boolean {
  return exiting;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
