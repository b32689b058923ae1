import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** A child process stops by itself after this long, so a hung script cannot outlive its test. */
const DEFAULT_SCRIPT_TIMEOUT_MS = 60_000;

export interface ScriptExit {
  /** The exit code, or null when a signal ended the process. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunningScript {
  pid: number;
  exited: Promise<ScriptExit>;
  /** Sends `signal` to the script's whole process group, because tsx runs the script in a child process of its own. */
  kill(signal: NodeJS.Signals): void;
}

const running = new Set<RunningScript>();

/**
 * Starts `scripts/<script>` with tsx, with only PATH and the given variables
 * in its environment. The script gets its own process group, so that SIGKILL
 * reaches the Node.js process that tsx starts as well as tsx itself.
 */
export function startScript(script: string, env: Record<string, string>, timeoutMs = DEFAULT_SCRIPT_TIMEOUT_MS): RunningScript {
  const startedAt = performance.now();
  const child = spawn(TSX, [path.join(ROOT, 'scripts', script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));

  const handle: RunningScript = {
    pid: child.pid ?? -1,
    exited: new Promise<ScriptExit>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode, signal) => {
        clearTimeout(timer);
        running.delete(handle);
        resolve({ exitCode, signal, stdout, stderr, durationMs: Math.round(performance.now() - startedAt) });
      });
    }),
    kill: (signal) => killGroup(child, signal),
  };
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
  running.add(handle);
  return handle;
}

/** Runs a script as `startScript` does and waits until it exits. */
export function runScript(script: string, env: Record<string, string>, timeoutMs?: number): Promise<ScriptExit> {
  return startScript(script, env, timeoutMs).exited;
}

/** Kills every script started by this file's tests that is still running, and waits for each to exit. */
export async function killRunningScripts(): Promise<void> {
  const scripts = [...running];
  for (const script of scripts) {
    script.kill('SIGKILL');
  }
  await Promise.allSettled(scripts.map((script) => script.exited));
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) {
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    // ESRCH: the group has already exited.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error;
    }
  }
}

export { findFreePort } from './ports';

export interface SilentServer {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/**
 * Starts a TCP server on 127.0.0.1 that accepts connections and never sends a
 * byte, like a database host whose process hangs.
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    handle.connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const handle: SilentServer = {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
  return handle;
}

/**
 * Calls `read` every `intervalMs` until it returns a value other than
 * undefined, and returns that value. Throws after `timeoutMs`, naming `description`.
 */
export async function pollUntil<T>(
  description: string,
  read: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs: number },
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) {
      return value;
    }
    if (performance.now() >= deadline) {
      throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${description}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
