import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeExit, type Child } from './childProcess';

const POLL_INTERVAL_MS = 100;

/** A part of the stack did not become ready. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/**
 * Throws when something already listens on `port` at 127.0.0.1, naming the
 * variable that moves the server to another port.
 */
export async function assertPortFree(port: number, variable: string, serverName: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new StartupError(
      `Port ${port} on 127.0.0.1 is already in use, so the ${serverName} cannot listen there. ` +
        `Stop the process that uses it (is another \`npm start\` running?) or set ${variable} to a free port.`,
    );
  }
}

/** Waits until a TCP connection to 127.0.0.1:`port` succeeds. */
export async function waitForPort(port: number, child: Child, timeoutMs: number): Promise<void> {
  await pollUntil(`${child.name} to listen on 127.0.0.1:${port}`, child, timeoutMs, () => canConnect(port));
}

/**
 * Waits until `url` returns any HTTP response. `findFailure` returns a reason
 * to stop waiting early, for a child that fails without exiting.
 */
export async function waitForHttpResponse(
  url: string,
  child: Child,
  timeoutMs: number,
  findFailure: () => string | undefined = () => undefined,
): Promise<void> {
  await pollUntil(`${child.name} to answer GET ${url}`, child, timeoutMs, async () => {
    const failure = findFailure();
    if (failure !== undefined) {
      throw new StartupError(`Stopped waiting for ${child.name}: ${failure}.`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.body?.cancel();
      return true;
    } catch {
      return false;
    }
  });
}

async function pollUntil(
  expectation: string,
  child: Child,
  timeoutMs: number,
  isReady: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.hasExited()) {
      throw new StartupError(`Stopped waiting for ${expectation}: it ${describeExit(await child.exited)}.`);
    }
    if (await isReady()) {
      return;
    }
    await sleep(POLL_INTERVAL_MS);
  }
  throw new StartupError(`Timed out after ${timeoutMs / 1000} s waiting for ${expectation}; its output above may say why.`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
