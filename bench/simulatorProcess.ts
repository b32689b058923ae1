import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopChild } from './childProcesses';
import { SIMULATOR_SEED } from './dataset';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '..');
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const LISTENING_PATTERN = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

/** Characters of the simulator's stderr kept for error messages. */
const STDERR_TAIL_CHARACTERS = 4_000;

export interface SimulatorProcess {
  url: string;
  /** Describes how the simulator exited, or returns undefined while it runs. */
  exitDescription(): string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `simulator/main.ts` in its own process on a free port of 127.0.0.1,
 * without its rate limit, with its clock fixed at `now`, and waits until it
 * prints the address it listens on.
 */
export async function startSimulatorProcess(options: { developers: number; historyDays: number; now: Date }): Promise<SimulatorProcess> {
  const child = spawnTracked(process.execPath, ['--import', 'tsx', 'simulator/main.ts'], {
    cwd: REPOSITORY_ROOT,
    env: {
      ...process.env,
      SIMULATOR_PORT: '0',
      SIMULATOR_SEED: String(SIMULATOR_SEED),
      SIMULATOR_DEVELOPERS: String(options.developers),
      SIMULATOR_HISTORY_DAYS: String(options.historyDays),
      SIMULATOR_RATE_LIMIT_PER_MIN: '0',
      SIMULATOR_NOW: options.now.toISOString(),
      SIMULATOR_API_KEY: '',
      SIMULATOR_FAULTS: '',
    },
  });

  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARACTERS);
  });

  try {
    const url = await waitForListening(child);
    return {
      url,
      exitDescription: () => {
        if (child.exitCode === null && child.signalCode === null) {
          return undefined;
        }
        return `The simulator exited with ${child.exitCode ?? child.signalCode}: ${stderrTail.trim() || '(no output on stderr)'}`;
      },
      stop: () => stopChild(child, STOP_GRACE_MS),
    };
  } catch (error) {
    await stopChild(child, STOP_GRACE_MS);
    throw error;
  }
}

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => finish(new Error(`The simulator did not start listening within ${START_TIMEOUT_MS / 1000} s.`)), START_TIMEOUT_MS);

    const onStdout = (chunk: Buffer): void => {
      stdout += chunk.toString('utf8');
      const match = LISTENING_PATTERN.exec(stdout);
      if (match !== null) {
        finish(undefined, match[1]);
      }
    };
    const onExit = (code: number | null): void => {
      finish(new Error(`The simulator exited with code ${code} before listening: ${stdout.trim() || '(no output on stdout)'}`));
    };

    function finish(error: Error | undefined, url?: string): void {
      clearTimeout(timer);
      child.stdout?.off('data', onStdout);
      child.off('exit', onExit);
      // Keep reading its output, because a full pipe would block the simulator's writes.
      child.stdout?.resume();
      if (error !== undefined) {
        reject(error);
      } else {
        resolve(url as string);
      }
    }

    child.stdout?.on('data', onStdout);
    child.once('exit', onExit);
  });
}
