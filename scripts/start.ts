/**
 * `npm start`: the whole service on this machine. It starts the embedded
 * PostgreSQL unless DATABASE_URL is set, the Cursor API simulator unless
 * CURSOR_API_URL names another server, and serverless-offline with both
 * functions. It invokes `sync` once as soon as all of them are up, and stops
 * everything on SIGINT, SIGTERM or SIGHUP, or when the database or offline
 * exits. A simulator that exits after start-up only gets a warning, so that
 * stopping it shows how the sync rides out an outage.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedDatabaseUrl } from '../lib/embeddedDatabaseUrl';
import { describeExit, startChild, type Child } from './localStack/childProcess';
import { invokeSync, scheduledEvent, SYNC_FUNCTION_NAME } from './localStack/invokeSync';
import { startLocalDatabase, type LocalDatabase } from './localStack/localDatabase';
import { logRunner, logRunnerError } from './localStack/output';
import { assertPortFree, StartupError, waitForHttpResponse, waitForPort } from './localStack/readiness';
import { LocalStackSettingsError, readLocalStackSettings, type LocalStackSettings } from './localStack/settings';

const SECOND = 1000;
const SIMULATOR_START_TIMEOUT_MS = 30 * SECOND;
/** Bundling both functions and loading the Serverless Framework take a few seconds. */
const OFFLINE_START_TIMEOUT_MS = 90 * SECOND;
const CHILD_STOP_GRACE_MS = 10 * SECOND;
const DATABASE_STOP_TIMEOUT_MS = 15 * SECOND;
/** The stage `npm start` runs; it is part of the function names offline exposes. */
const LOCAL_STAGE = 'dev';
const SIMULATOR_CHILD_NAME = 'simulator';

const projectDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The running parts of the stack. Stopping ends the children first, then the database they use. */
class LocalStack {
  private readonly children: Child[] = [];
  private database: LocalDatabase | undefined;
  private databaseStarting: Promise<string> | undefined;
  private stopping: Promise<void> | undefined;
  private stopRequestedBySignal = false;
  /** Found in offline's output while it starts: esbuild could not bundle a function. */
  private offlineBuildError: string | undefined;
  /** True once every part is up; a simulator exit after that is not fatal. */
  private upAndRunning = false;

  constructor(private readonly settings: LocalStackSettings) {}

  async start(): Promise<void> {
    const startedAtMs = Date.now();
    const { settings } = this;

    await this.checkPortsFree();

    // The simulator starts alongside the database, and offline as soon as the
    // database is up, so that no schedule tick finds the database missing.
    this.databaseStarting = this.startDatabase();
    const offlineStarting = this.databaseStarting.then((databaseUrl) => this.startOffline(databaseUrl));
    const [offline] = await Promise.all([offlineStarting, this.startSimulator()]);

    const healthUrl = `http://127.0.0.1:${settings.httpPort}/health`;
    await waitForHttpResponse(healthUrl, offline, OFFLINE_START_TIMEOUT_MS, () => this.offlineBuildError);

    const seconds = ((Date.now() - startedAtMs) / SECOND).toFixed(1);
    logRunner(`The local stack is up after ${seconds} s.`);
    this.upAndRunning = true;
    logRunner(`  Health:          GET ${healthUrl}`);
    logRunner(`  Lambda endpoint: http://127.0.0.1:${settings.lambdaPort} (function ${SYNC_FUNCTION_NAME})`);
    logRunner(`  Cursor API:      ${new URL(settings.cursorApiUrl).origin}${settings.startsSimulator ? ' (simulator)' : ''}`);
    logRunner(`  Schedule:        sync runs at every minute boundary; stop with Ctrl+C.`);
  }

  /** Invokes `sync` once with a schedule event, as EventBridge would; the result is only logged. */
  async invokeSyncOnce(): Promise<void> {
    const startedAtMs = Date.now();
    logRunner(`Invoking ${SYNC_FUNCTION_NAME} once now.`);
    try {
      const response = await invokeSync(this.settings.lambdaPort, scheduledEvent(new Date()));
      const seconds = ((Date.now() - startedAtMs) / SECOND).toFixed(1);
      if (response.statusCode !== 200 || response.functionError !== undefined) {
        logRunnerError(
          `The first sync invocation failed after ${seconds} s (HTTP ${response.statusCode}): ${summarizeFailure(response.payload)}. ` +
            'The schedule keeps invoking sync every minute.',
        );
        return;
      }
      logRunner(`The first sync invocation returned after ${seconds} s: ${summarizeCycles(response.payload)}.`);
    } catch (error) {
      if (this.stopping === undefined) {
        logRunnerError(`Could not invoke ${SYNC_FUNCTION_NAME}: ${(error as Error).message}.`);
      }
    }
  }

  /** Settles with the name of the first essential part that exits: offline, or the embedded PostgreSQL. */
  firstPartExit(): Promise<string> {
    const essential = this.children.filter((child) => child.name !== SIMULATOR_CHILD_NAME);
    const exits = essential.map((child) => child.exited.then(() => child.name));
    if (this.database !== undefined) {
      exits.push(this.database.exited.then(() => 'PostgreSQL'));
    }
    return Promise.race(exits);
  }

  /** Stops the children, then the database; later calls wait for the first one. */
  stop(reason: { signal: NodeJS.Signals } | { message: string }): Promise<void> {
    if ('signal' in reason) {
      this.stopRequestedBySignal = true;
    }
    if (this.stopping === undefined) {
      logRunner('signal' in reason ? `Got ${reason.signal}; stopping the local stack.` : reason.message);
      this.stopping = this.stopAll();
    }
    return this.stopping;
  }

  get stoppedBySignal(): boolean {
    return this.stopRequestedBySignal;
  }

  /** The exit status: 0 after a stop by signal, 1 after a failure or a part that exited by itself. */
  get exitCode(): number {
    return this.stopRequestedBySignal ? 0 : 1;
  }

  private async stopAll(): Promise<void> {
    const results = await Promise.all(
      this.children.map(async (child) => {
        const exit = await child.stop(CHILD_STOP_GRACE_MS);
        return `${child.name} ${describeExit(exit)}`;
      }),
    );
    if (results.length > 0) {
      logRunner(`Stopped: ${results.join('; ')}.`);
    }

    // A database that is still starting is stopped once it is up.
    await this.databaseStarting?.catch(() => {});
    if (this.database !== undefined) {
      const stopped = await Promise.race([
        this.database.stop().then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), DATABASE_STOP_TIMEOUT_MS).unref()),
      ]);
      if (stopped) {
        logRunner('Stopped PostgreSQL.');
      } else {
        logRunnerError(`PostgreSQL did not stop within ${DATABASE_STOP_TIMEOUT_MS / SECOND} s; it may still be running.`);
      }
    }
  }

  private async checkPortsFree(): Promise<void> {
    const { settings } = this;
    const checks = [
      assertPortFree(settings.httpPort, 'LOCAL_HTTP_PORT', 'HTTP server of serverless-offline'),
      assertPortFree(settings.lambdaPort, 'LOCAL_LAMBDA_PORT', 'Lambda endpoint of serverless-offline'),
    ];
    if (settings.startsSimulator) {
      checks.push(assertPortFree(settings.simulatorPort, 'SIMULATOR_PORT', 'Cursor API simulator'));
    }
    if (settings.databaseUrl === undefined) {
      checks.push(assertPortFree(settings.embeddedDatabasePort, 'EMBEDDED_DATABASE_PORT', 'embedded PostgreSQL'));
    }
    await Promise.all(checks);
  }

  private async startDatabase(): Promise<string> {
    const { settings } = this;
    if (settings.databaseUrl !== undefined) {
      logRunner('Using the database named by DATABASE_URL.');
      return settings.databaseUrl;
    }

    logRunner(`Starting PostgreSQL on 127.0.0.1:${settings.embeddedDatabasePort} with its data in ${settings.databaseDirectory}.`);
    this.database = await startLocalDatabase(settings.embeddedDatabasePort, settings.databaseDirectory);
    return embeddedDatabaseUrl(settings.embeddedDatabasePort);
  }

  private async startSimulator(): Promise<void> {
    const { settings } = this;
    if (!settings.startsSimulator) {
      logRunner(`Using the Cursor API at ${new URL(settings.cursorApiUrl).origin}; the simulator is not started.`);
      return;
    }

    const simulator = this.addChild(
      startChild({
        name: SIMULATOR_CHILD_NAME,
        command: process.execPath,
        args: ['--import', 'tsx', 'simulator/main.ts'],
        cwd: settings.projectDirectory,
        env: { ...process.env, SIMULATOR_PORT: String(settings.simulatorPort) },
      }),
    );
    await waitForPort(settings.simulatorPort, simulator, SIMULATOR_START_TIMEOUT_MS);
  }

  private startOffline(databaseUrl: string): Child {
    const { settings } = this;
    const serverlessCli = path.join(settings.projectDirectory, 'node_modules', 'serverless', 'bin', 'serverless.js');
    return this.addChild(
      startChild({
        name: 'offline',
        command: process.execPath,
        args: [
          serverlessCli,
          'offline',
          'start',
          '--noSponsor',
          '--stage',
          LOCAL_STAGE,
          '--httpPort',
          String(settings.httpPort),
          '--lambdaPort',
          String(settings.lambdaPort),
        ],
        cwd: settings.projectDirectory,
        // serverless-offline hands the handlers only the variables that
        // serverless.yml lists under provider.environment (plus AWS_*), so
        // these reach them through that list.
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          EMBEDDED_DATABASE_PORT: String(settings.embeddedDatabasePort),
          CURSOR_API_URL: settings.cursorApiUrl,
          // Without credentials the AWS tooling would probe the EC2 metadata
          // address; nothing here talks to AWS.
          AWS_ACCESS_KEY_ID: 'local-dummy-key-id',
          AWS_SECRET_ACCESS_KEY: 'local-dummy-secret',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
        onLine: (line) => {
          if (this.offlineBuildError === undefined && /Build failed with \d+ error/.test(line)) {
            this.offlineBuildError = `esbuild could not bundle the functions (${line.trim()})`;
          }
        },
      }),
    );
  }

  private addChild(child: Child): Child {
    this.children.push(child);
    if (this.stopping !== undefined) {
      // Started by a step that finished after a failure elsewhere.
      void child.stop(CHILD_STOP_GRACE_MS);
      throw new StartupError(`Stopped the ${child.name} at once: the local stack is stopping.`);
    }
    void child.exited.then((exit) => {
      if (child.name === SIMULATOR_CHILD_NAME && this.upAndRunning && this.stopping === undefined) {
        // An operator stops the simulator to watch an outage. The sync backs
        // off, and backfills once an upstream responds again.
        logRunnerError(
          `The simulator ${describeExit(exit)}. The sync backs off until the Cursor API at ${this.settings.cursorApiUrl} ` +
            'answers again; restart it with `npm run simulator` in another terminal.',
        );
        return;
      }
      void this.stop({ message: `The ${child.name} ${describeExit(exit)}; stopping the local stack.` });
    });
    return child;
  }
}

/** Names the cycle statuses of the handler's result, e.g. "1 cycle: success (9000 rows upserted)". */
function summarizeCycles(payload: string): string {
  try {
    const result = JSON.parse(payload) as {
      cycles?: Array<{ status?: string; rowsUpserted?: number; error?: string }>;
    };
    const cycles = result.cycles ?? [];
    const statuses = cycles.map((cycle) => {
      if (cycle.error !== undefined) {
        return `${cycle.status} (${cycle.error})`;
      }
      return cycle.rowsUpserted === undefined ? cycle.status : `${cycle.status} (${cycle.rowsUpserted} rows upserted)`;
    });
    return `${cycles.length} cycle${cycles.length === 1 ? '' : 's'}: ${statuses.join(', ') || 'none'}`;
  } catch {
    return payload.slice(0, 200);
  }
}

/** Extracts the error message from offline's error payload, without the stack trace. */
function summarizeFailure(payload: string): string {
  try {
    const error = JSON.parse(payload) as { errorMessage?: string; errorType?: string; Message?: string };
    return error.errorMessage !== undefined ? `${error.errorType ?? 'Error'}: ${error.errorMessage}` : (error.Message ?? payload);
  } catch {
    return payload.slice(0, 200);
  }
}

async function main(): Promise<void> {
  let settings: LocalStackSettings;
  try {
    settings = readLocalStackSettings(process.env, projectDirectory);
  } catch (error) {
    if (error instanceof LocalStackSettingsError) {
      logRunnerError(error.message);
      process.exit(2);
    }
    throw error;
  }

  const stack = new LocalStack(settings);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      void stack.stop({ signal }).then(() => process.exit(stack.exitCode));
    });
  }

  try {
    await stack.start();
  } catch (error) {
    if (!stack.stoppedBySignal) {
      const message = error instanceof StartupError ? error.message : String((error as Error).stack ?? error);
      logRunnerError(`The local stack did not start: ${message}`);
    }
    await stack.stop({ message: 'Stopping the parts that did start.' });
    process.exit(stack.exitCode);
  }

  void stack.invokeSyncOnce();

  const exitedPart = await stack.firstPartExit();
  await stack.stop({ message: `${exitedPart} exited unexpectedly; stopping the rest of the local stack.` });
  process.exit(stack.exitCode);
}

await main();
