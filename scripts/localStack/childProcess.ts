import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { printLine } from './output';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: Error;
}

export interface ChildOptions {
  /** The component name that prefixes the child's output. */
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called with every output line after it is printed. */
  onLine?: (line: string) => void;
}

export interface Child {
  name: string;
  /** Settles once the process has exited; never rejects. */
  exited: Promise<ChildExit>;
  hasExited(): boolean;
  /** Sends SIGTERM, then SIGKILL after `graceMs`; settles once the process has exited. */
  stop(graceMs: number): Promise<ChildExit>;
}

/**
 * Starts a child process in the runner's process group, so that a signal to
 * the group (Ctrl+C in a terminal, or a test's cleanup) reaches it too.
 */
export function startChild(options: ChildOptions): Child {
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let exit: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.once('error', (error) => {
      // 'error' without 'exit' means the process never started.
      if (child.pid === undefined) {
        exit = { code: null, signal: null, error };
        resolve(exit);
      }
    });
  });

  forwardLines(child.stdout, options, 'stdout');
  forwardLines(child.stderr, options, 'stderr');

  const stop = async (graceMs: number): Promise<ChildExit> => {
    if (exit !== undefined) {
      return exit;
    }
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(killTimer);
    return result;
  };

  return {
    name: options.name,
    exited,
    hasExited: () => exit !== undefined,
    stop,
  };
}

/** Describes how a child ended, for log messages. */
export function describeExit(exit: ChildExit): string {
  if (exit.error !== undefined) {
    return `could not be started: ${exit.error.message}`;
  }
  return exit.signal !== null ? `was stopped by ${exit.signal}` : `exited with code ${exit.code}`;
}

function forwardLines(stream: Readable, options: ChildOptions, streamName: 'stdout' | 'stderr'): void {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    printLine(options.name, line, streamName);
    options.onLine?.(line);
  });
}
