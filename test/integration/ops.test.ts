import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { closeSyncRuntime, handler } from '../../functions/sync';
import type { Sql } from '../../lib/db';
import { UpstreamError } from '../../lib/errors';
import {
  BACKFILL_REQUEST_INTERVAL_MS,
  runBackfill,
  type BackfillDependencies,
  type BackfillProgress,
  type BackfillResult,
} from '../../lib/ops/backfill';
import { InvalidOperatorRequestError } from '../../lib/ops/errors';
import { addDays, SECOND, toIsoDate } from '../../lib/time';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { listMembers } from '../../simulator/team';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { compareUsage, fetchSimulatorUsage, readStoredUsage, usageWithin } from '../support/faultUsage';
import { FakeUsageSource } from '../support/fakeUsageSource';
import { findFreePort } from '../support/faultProcesses';
import { ManualClock } from '../support/manualClock';
import { connectMigrated, resetTables } from '../support/schema';
import { createCapturingLogger, type CapturedLog } from '../support/testLogger';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

// The simulator's data is fixed at this instant, so that two reads within the
// test return the same values even across the turn of an hour.
const SIMULATOR_NOW = new Date();
const TODAY = toIsoDate(SIMULATOR_NOW.getTime());
const YESTERDAY = addDays(TODAY, -1);

const RUN_FIELDS = [
  'developers',
  'error',
  'finishedAt',
  'outcome',
  'rowsChanged',
  'rowsRejected',
  'rowsUpserted',
  'runId',
  'startedAt',
  'trigger',
  'windowEnd',
  'windowStart',
];

let database: TestDatabase;
let sql: Sql;
let simulator: RunningSimulator;
let closedPort: number;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = await connectMigrated(database.url);
  simulator = await startSimulator({ port: 0, rateLimitPerMin: 0, now: () => SIMULATOR_NOW, onError: () => {} });
  closedPort = await findFreePort();
});

afterAll(async () => {
  await simulator?.close();
  await sql?.end();
  await database?.drop();
});

beforeEach(async () => {
  await resetTables(sql);
});

interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/ops.ts` with the arguments and only the given variables (plus PATH). */
function runOps(args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [path.join(ROOT, 'scripts/ops.ts'), ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          POWERTOOLS_LOG_LEVEL: 'WARN',
          DATABASE_URL: database.url,
          CURSOR_API_URL: simulator.url,
          ...env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        let exitCode = 0;
        if (error !== null) {
          // A signal or a timeout leaves no numeric code.
          exitCode = typeof error.code === 'number' ? error.code : -1;
        }
        resolve({ exitCode, stdout, stderr });
      },
    );
  });
}

async function readState() {
  const [row] = await sql<
    {
      watermark: string | null;
      next_attempt_at: Date | null;
      consecutive_failures: number;
      state: string;
      last_attempt_at: Date | null;
      last_run_id: string | null;
      lease_owner: string | null;
    }[]
  >`select watermark, next_attempt_at, consecutive_failures, state, last_attempt_at, last_run_id, lease_owner from sync_state`;
  return row!;
}

async function count(table: 'daily_stats' | 'sync_runs' | 'developers'): Promise<number> {
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from ${sql(table)}`;
  return row!.count;
}

async function holdLease(owner: string): Promise<void> {
  await sql`update sync_state set lease_owner = ${owner}, lease_expires_at = now() + interval '10 minutes'`;
}

/** Inserts finished runs started one minute apart, the last one newest; returns their ids, oldest first. */
async function insertRuns(runs: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < runs; index++) {
    const runId = `run-${String(index).padStart(2, '0')}`;
    ids.push(runId);
    await sql`
      insert into sync_runs (run_id, trigger, started_at, finished_at, window_start, window_end,
                             developers, rows_upserted, rows_changed, rows_rejected, outcome, error)
      values (${runId}, 'schedule', now() - ${`${runs - index} minutes`}::interval,
              now() - ${`${runs - index} minutes`}::interval + interval '2 seconds',
              ${addDays(TODAY, -3)}, ${TODAY}, 3, 12, ${index}, 0,
              ${index === 0 ? 'failure' : 'success'}, ${index === 0 ? 'upstream server error: 503' : null})
    `;
  }
  return ids;
}

describe('ops backfill', () => {
  test('fills the range and keeps the watermark', async () => {
    await sql`update sync_state set watermark = ${YESTERDAY}`;
    // 40 days: two requests for a team of 100 (at most 30 days each).
    const range = { start: addDays(TODAY, -45), end: addDays(TODAY, -6) };

    const result = await runOps(['backfill', '--from', range.start, '--to', range.end], { POWERTOOLS_LOG_LEVEL: 'INFO' });

    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Backfilled ${range.start}..${range.end}`);
    expect(result.stdout).toContain('2 of 2 requests stored');
    expect(result.stdout).toMatch(/"message":"Synced \d+\/\d+ developers"/);
    const expected = await fetchSimulatorUsage(simulator.url, range);
    const stored = await readStoredUsage(sql);
    expect(compareUsage(expected, usageWithin(stored, range.start, range.end))).toEqual({ missing: [], unexpected: [], changed: [] });
    expect(stored.size).toBe(expected.size);
    const state = await readState();
    expect(state.watermark).toBe(YESTERDAY);
    expect(state.lease_owner).toBeNull();
  });

  test('records a manual run with the range', async () => {
    const range = { start: addDays(TODAY, -10), end: addDays(TODAY, -4) };

    await runOps(['backfill', '--from', range.start, '--to', range.end]);

    const runs = await sql`select * from sync_runs`;
    expect(runs).toHaveLength(1);
    expect(runs[0]?.trigger).toBe('manual');
    expect(runs[0]?.outcome).toBe('success');
    expect(runs[0]?.window_start).toBe(range.start);
    expect(runs[0]?.window_end).toBe(range.end);
    expect(runs[0]?.rows_upserted).toBe(await count('daily_stats'));
    expect(runs[0]?.rows_changed).toBe(await count('daily_stats'));
    expect(runs[0]?.developers).toBeGreaterThan(0);
    expect(runs[0]?.finished_at).toBeInstanceOf(Date);
  });

  test('leaves the sync state alone', async () => {
    await sql`update sync_state set watermark = ${YESTERDAY}, consecutive_failures = 2, state = 'backing_off'`;
    const before = await readState();

    await runOps(['backfill', '--from', addDays(TODAY, -5), '--to', addDays(TODAY, -4)]);

    expect(await readState()).toEqual(before);
  });

  test('refreshes the members first', async () => {
    await sql`insert into developers (email, is_member) values ('departed@example.com', true)`;

    await runOps(['backfill', '--from', YESTERDAY, '--to', YESTERDAY]);

    const [members] = await sql<{ count: number }[]>`select count(*)::int as count from developers where is_member`;
    expect(members?.count).toBe(listMembers(simulator.team).length);
    const [departed] = await sql`select is_member from developers where email = 'departed@example.com'`;
    expect(departed?.is_member).toBe(false);
  });

  test('repeated backfill changes no row', async () => {
    const args = ['backfill', '--from', addDays(TODAY, -8), '--to', addDays(TODAY, -4)];
    await runOps(args);
    const before = await sql`select developer_id, date, synced_at from daily_stats order by 1, 2`;

    const result = await runOps(args);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(' 0 changed');
    expect(await sql`select developer_id, date, synced_at from daily_stats order by 1, 2`).toEqual(before);
  });

  test('held lease exits 1 and changes nothing', async () => {
    await holdLease('other-run');

    const result = await runOps(['backfill', '--from', addDays(TODAY, -3), '--to', YESTERDAY]);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('A sync or backfill is running');
    expect(result.stderr).toContain('other-run');
    expect(result.stderr).toContain('retry');
    expect(await count('daily_stats')).toBe(0);
    expect(await count('sync_runs')).toBe(0);
    expect(await count('developers')).toBe(0);
    expect((await readState()).lease_owner).toBe('other-run');
  });

  test.each([
    { name: 'impossible date', from: '2026-02-30', to: '2026-03-01', named: '"2026-02-30"' },
    { name: 'malformed date', from: 'yesterday', to: '2026-03-01', named: '"yesterday"' },
    { name: 'reversed range', from: '2026-03-05', to: '2026-03-01', named: '2026-03-05' },
    { name: 'end after today', from: YESTERDAY, to: addDays(TODAY, 1), named: addDays(TODAY, 1) },
  ])('$name exits 2 and changes nothing', async ({ from, to, named }) => {
    await sql`update sync_state set watermark = ${YESTERDAY}`;

    const result = await runOps(['backfill', '--from', from, '--to', to]);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(named);
    expect(await count('daily_stats')).toBe(0);
    expect(await count('sync_runs')).toBe(0);
    expect(await count('developers')).toBe(0);
    expect((await readState()).watermark).toBe(YESTERDAY);
  });

  test('missing option exits 2', async () => {
    const result = await runOps(['backfill', '--from', YESTERDAY]);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Missing --to');
  });

  test('upstream outage exits 1 naming the days left', async () => {
    simulator.setFaults({ outageSeconds: 600 });
    const range = { start: addDays(TODAY, -5), end: YESTERDAY };

    let result: CommandResult;
    try {
      result = await runOps(['backfill', '--from', range.start, '--to', range.end]);
    } finally {
      simulator.setFaults({});
    }

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('failed');
    expect(result.stderr).toContain(`--from ${range.start} --to ${range.end}`);
    const [run] = await sql`select outcome, error from sync_runs`;
    expect(run?.outcome).toBe('failure');
    expect(run?.error).toContain('upstream');
    expect((await readState()).consecutive_failures).toBe(0);
    expect((await readState()).lease_owner).toBeNull();
  });
});

describe('ops reset', () => {
  test('moves the watermark back and clears the backoff', async () => {
    await sql`
      update sync_state
      set watermark = ${YESTERDAY}, next_attempt_at = now() + interval '5 minutes',
          consecutive_failures = 3, state = 'backing_off'
    `;
    const target = addDays(TODAY, -10);

    const result = await runOps(['reset', '--watermark', target]);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Watermark reset from ${YESTERDAY} to ${target}`);
    const state = await readState();
    expect(state.watermark).toBe(target);
    expect(state.next_attempt_at).toBeNull();
    expect(state.consecutive_failures).toBe(3);
    expect(state.state).toBe('backing_off');
  });

  test('same date is accepted', async () => {
    await sql`update sync_state set watermark = ${YESTERDAY}`;

    const result = await runOps(['reset', '--watermark', YESTERDAY]);

    expect(result.exitCode).toBe(0);
    expect((await readState()).watermark).toBe(YESTERDAY);
  });

  test('later date exits 2 naming both dates', async () => {
    const current = addDays(TODAY, -10);
    await sql`update sync_state set watermark = ${current}`;
    const later = addDays(TODAY, -5);

    const result = await runOps(['reset', '--watermark', later]);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(later);
    expect(result.stderr).toContain(current);
    expect(result.stderr).toContain('every day up to the watermark must be stored');
    expect((await readState()).watermark).toBe(current);
  });

  test('invalid date exits 2', async () => {
    await sql`update sync_state set watermark = ${YESTERDAY}`;

    const result = await runOps(['reset', '--watermark', '2026-13-01']);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('"2026-13-01"');
    expect((await readState()).watermark).toBe(YESTERDAY);
  });

  test('no watermark yet exits 2', async () => {
    const result = await runOps(['reset', '--watermark', YESTERDAY]);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('no watermark yet');
    expect((await readState()).watermark).toBeNull();
  });

  test('held lease exits 1 and changes nothing', async () => {
    await sql`update sync_state set watermark = ${YESTERDAY}`;
    await holdLease('running-cycle');

    const result = await runOps(['reset', '--watermark', addDays(TODAY, -10)]);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('running-cycle');
    expect((await readState()).watermark).toBe(YESTERDAY);
  });

  test('expired lease does not block', async () => {
    await sql`
      update sync_state
      set watermark = ${YESTERDAY}, lease_owner = 'dead-run', lease_expires_at = now() - interval '1 minute'
    `;

    const result = await runOps(['reset', '--watermark', addDays(TODAY, -2)]);

    expect(result.exitCode).toBe(0);
    expect((await readState()).watermark).toBe(addDays(TODAY, -2));
  });
});

describe('ops status', () => {
  test('JSON has exactly the documented fields', async () => {
    await sql`update sync_state set watermark = ${addDays(TODAY, -3)}, consecutive_failures = 1, state = 'backing_off'`;
    const ids = await insertRuns(4);

    const result = await runOps(['status', '--json', '--runs', '2']);

    expect(result.exitCode).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(Object.keys(status).sort()).toEqual(
      ['consecutiveFailures', 'lagDays', 'lastRuns', 'lastSuccessAt', 'nextAttemptAt', 'state', 'watermark'].sort(),
    );
    expect(status.state).toBe('backing_off');
    expect(status.watermark).toBe(addDays(TODAY, -3));
    expect(status.lagDays).toBe(3);
    expect(status.consecutiveFailures).toBe(1);
    expect(status.nextAttemptAt).toBeNull();
    expect(status.lastSuccessAt).toBeNull();
    expect(status.lastRuns.map((run: { runId: string }) => run.runId)).toEqual([ids[3], ids[2]]);
    expect(Object.keys(status.lastRuns[0]).sort()).toEqual(RUN_FIELDS);
  });

  test('default shows five runs', async () => {
    await insertRuns(7);

    const result = await runOps(['status', '--json']);

    expect(JSON.parse(result.stdout).lastRuns).toHaveLength(5);
  });

  test('no watermark has no lag', async () => {
    const result = await runOps(['status', '--json']);

    const status = JSON.parse(result.stdout);
    expect(status.watermark).toBeNull();
    expect(status.lagDays).toBeNull();
    expect(status.lastRuns).toEqual([]);
  });

  test('table shows the state and the runs', async () => {
    await sql`update sync_state set watermark = ${YESTERDAY}`;
    await holdLease('cycle-in-flight');
    const ids = await insertRuns(3);

    const result = await runOps(['status']);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^State +healthy$/m);
    expect(result.stdout).toMatch(new RegExp(`^Watermark +${YESTERDAY}$`, 'm'));
    expect(result.stdout).toMatch(/^Lag +1 day /m);
    expect(result.stdout).toMatch(/^Lease +held by run cycle-in-flight until /m);
    expect(result.stdout).toContain('Last 3 runs, newest first:');
    expect(result.stdout).toContain(ids[2]);
    expect(result.stdout).toContain('upstream server error: 503');
  });

  test('missing embedded server is explained', async () => {
    const result = await runOps(['status'], { DATABASE_URL: '', EMBEDDED_DATABASE_PORT: String(closedPort) });

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('npm start');
    expect(result.stderr).toContain(`127.0.0.1:${closedPort}`);
  });

  test('invalid configuration exits 2', async () => {
    const result = await runOps(['status'], { POLL_INTERVAL_MS: '25000' });

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('POLL_INTERVAL_MS');
  });
});

describe('ops runs', () => {
  test('JSON lists the last N newest first', async () => {
    const ids = await insertRuns(7);

    const result = await runOps(['runs', '--last', '3', '--json']);

    expect(result.exitCode).toBe(0);
    const runs = JSON.parse(result.stdout);
    expect(runs.map((run: { runId: string }) => run.runId)).toEqual([ids[6], ids[5], ids[4]]);
    expect(Object.keys(runs[0]).sort()).toEqual(RUN_FIELDS);
    expect(runs[0].windowStart).toBe(addDays(TODAY, -3));
    expect(runs[0].startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  test('table lists the last N newest first', async () => {
    const ids = await insertRuns(4);

    const result = await runOps(['runs', '--last', '2']);

    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^STARTED \(UTC\) +RUN ID +TRIGGER +OUTCOME/);
    expect(lines[1]).toContain(ids[3]);
    expect(lines[2]).toContain(ids[2]);
  });

  test('empty history says so', async () => {
    const result = await runOps(['runs']);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('No runs recorded yet.\n');
  });

  test('invalid count exits 2', async () => {
    const result = await runOps(['runs', '--last', '1001']);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('"1001"');
  });
});

describe('ops help', () => {
  test('overview lists every command', async () => {
    const result = await runOps(['--help']);

    expect(result.exitCode).toBe(0);
    for (const command of ['status', 'runs', 'backfill', 'reset']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(result.stdout).toContain('Exit codes');
  });

  test('command help names its options', async () => {
    const result = await runOps(['backfill', '--help']);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('--from YYYY-MM-DD');
    expect(result.stdout).toContain('--to YYYY-MM-DD');
  });
});

describe('sync payloads', () => {
  const context = {
    functionName: 'sync',
    awsRequestId: 'ops-test',
    getRemainingTimeInMillis: () => 15 * 60 * SECOND,
  } as unknown as Context;
  const invoke = (payload: unknown): Promise<unknown> => (handler as (event: unknown, context: Context) => Promise<unknown>)(payload, context);
  const savedEnv = { ...process.env };

  beforeAll(() => {
    process.env.DATABASE_URL = database.url;
    process.env.CURSOR_API_URL = simulator.url;
    process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  });

  afterAll(async () => {
    await closeSyncRuntime();
    process.env = savedEnv;
  });

  test('status returns the status fields', async () => {
    await sql`update sync_state set watermark = ${YESTERDAY}`;
    await insertRuns(3);

    const status = (await invoke({ action: 'status', runs: 2 })) as Record<string, unknown>;

    expect(Object.keys(status).sort()).toEqual(
      ['consecutiveFailures', 'lagDays', 'lastRuns', 'lastSuccessAt', 'nextAttemptAt', 'state', 'watermark'].sort(),
    );
    expect(status.lagDays).toBe(1);
    expect(status.lastRuns).toHaveLength(2);
  });

  test('runs returns the last N newest first', async () => {
    const ids = await insertRuns(5);

    const runs = (await invoke({ action: 'runs', last: 2 })) as { runId: string }[];

    expect(runs.map((run) => run.runId)).toEqual([ids[4], ids[3]]);
  });

  test('backfill stores the range and keeps the watermark', async () => {
    await sql`update sync_state set watermark = ${YESTERDAY}`;
    const range = { start: addDays(TODAY, -7), end: addDays(TODAY, -5) };

    const result = (await invoke({ action: 'backfill', from: range.start, to: range.end })) as Record<string, unknown>;

    expect(result.status).toBe('success');
    expect(result.from).toBe(range.start);
    expect(result.to).toBe(range.end);
    expect(result.rowsUpserted).toBe(await count('daily_stats'));
    const expected = await fetchSimulatorUsage(simulator.url, range);
    expect(compareUsage(expected, await readStoredUsage(sql))).toEqual({ missing: [], unexpected: [], changed: [] });
    expect((await readState()).watermark).toBe(YESTERDAY);
  });

  test('backfill under a held lease returns lease_held', async () => {
    await holdLease('other-run');

    const result = (await invoke({ action: 'backfill', from: YESTERDAY, to: YESTERDAY })) as Record<string, unknown>;

    expect(result.status).toBe('lease_held');
    expect(result.leaseOwner).toBe('other-run');
    expect(await count('daily_stats')).toBe(0);
  });

  test('reset moves the watermark back', async () => {
    await sql`update sync_state set watermark = ${YESTERDAY}`;

    const result = (await invoke({ action: 'reset', watermark: addDays(TODAY, -4) })) as Record<string, unknown>;

    expect(result).toEqual({ status: 'reset', previousWatermark: YESTERDAY, watermark: addDays(TODAY, -4) });
    expect((await readState()).watermark).toBe(addDays(TODAY, -4));
  });

  test.each([
    { name: 'invalid from', payload: { action: 'backfill', from: '2026-02-30', to: '2026-03-01' }, named: '"2026-02-30"' },
    { name: 'reversed range', payload: { action: 'backfill', from: '2026-03-05', to: '2026-03-01' }, named: '2026-03-05' },
    { name: 'misspelled key', payload: { action: 'backfill', form: '2026-03-01', to: '2026-03-01' }, named: 'form' },
    { name: 'later watermark', payload: { action: 'reset', watermark: TODAY }, named: TODAY },
    { name: 'zero runs', payload: { action: 'runs', last: 0 }, named: '"0"' },
    { name: 'unknown action', payload: { action: 'purge' }, named: '"purge"' },
  ])('$name is rejected with nothing changed', async ({ payload, named }) => {
    await sql`update sync_state set watermark = ${addDays(TODAY, -3)}`;

    const invocation = invoke(payload);

    await expect(invocation).rejects.toThrow(InvalidOperatorRequestError);
    await expect(invocation).rejects.toThrow(named);
    expect((await readState()).watermark).toBe(addDays(TODAY, -3));
    expect(await count('daily_stats')).toBe(0);
    expect(await count('sync_runs')).toBe(0);
  });
});

/** Returns the progress of a backfill that ran; fails the test when the lease was held. */
function progressOf(result: BackfillResult): BackfillProgress {
  if (result.status === 'lease_held') {
    throw new Error(`Expected the backfill to run, but run ${result.leaseOwner} holds the lease.`);
  }
  return result;
}

describe('runBackfill', () => {
  const NOW = '2026-03-10T12:30:00Z';
  let clock: ManualClock;
  let source: FakeUsageSource;
  let logs: CapturedLog[];
  let deps: BackfillDependencies;

  beforeEach(() => {
    clock = new ManualClock(NOW);
    source = new FakeUsageSource(['ada@example.com', 'linus@example.com', 'grace@example.com']);
    const captured = createCapturingLogger();
    logs = captured.lines;
    deps = { sql, source, clock, logger: captured.logger, secrets: [] };
  });

  test('paces requests and splits by 30 days', async () => {
    const result = await runBackfill(deps, { range: { start: '2025-12-01', end: '2026-02-08' } });

    expect(result.status).toBe('success');
    expect(source.requests).toEqual([
      { start: '2025-12-01', end: '2025-12-30' },
      { start: '2025-12-31', end: '2026-01-29' },
      { start: '2026-01-30', end: '2026-02-08' },
    ]);
    expect(clock.sleeps).toEqual([BACKFILL_REQUEST_INTERVAL_MS, BACKFILL_REQUEST_INTERVAL_MS]);
    expect(await count('daily_stats')).toBe(70 * 3);
  });

  test('logs progress with the run id', async () => {
    const result = await runBackfill(deps, { range: { start: '2026-03-01', end: '2026-03-02' } });
    const runId = progressOf(result).runId;

    const progress = logs.filter((line) => line.message.startsWith('Synced '));
    expect(progress.map((line) => line.message)).toEqual(['Synced 3/3 developers']);
    expect(progress[0]?.correlation_id).toBe(runId);
  });

  test('deadline stops with the remaining days', async () => {
    const result = await runBackfill(deps, {
      range: { start: '2025-12-01', end: '2026-02-08' },
      stopRequestsAt: new Date(Date.parse(NOW) + 5 * SECOND),
    });

    expect(result.status).toBe('incomplete');
    expect(progressOf(result).remaining).toEqual({ start: '2026-01-30', end: '2026-02-08' });
    expect(source.requests).toHaveLength(2);
    const [run] = await sql`select outcome from sync_runs`;
    expect(run?.outcome).toBe('incomplete');
  });

  test('failed request keeps earlier requests', async () => {
    source.failOnRequest = { index: 1, error: new UpstreamError('server_error', 'The upstream answered 503.', { status: 503 }) };

    const result = await runBackfill(deps, { range: { start: '2025-12-01', end: '2026-02-08' } });

    expect(result.status).toBe('failure');
    expect(progressOf(result).remaining).toEqual({ start: '2025-12-31', end: '2026-02-08' });
    expect(progressOf(result).error).toContain('503');
    expect(await count('daily_stats')).toBe(30 * 3);
    const [run] = await sql`select outcome, error from sync_runs`;
    expect(run?.outcome).toBe('failure');
    expect((await readState()).lease_owner).toBeNull();
  });

  test('lost lease stops before writing', async () => {
    const fetchUsage = source.fetchDailyUsage.bind(source);
    source.fetchDailyUsage = async (range, sink) => {
      // Another run takes the lease over while the request is in flight.
      await sql`update sync_state set lease_owner = 'thief', lease_expires_at = now() + interval '10 minutes'`;
      return fetchUsage(range, sink);
    };

    const result = await runBackfill(deps, { range: { start: '2026-03-01', end: '2026-03-02' } });

    expect(result.status).toBe('failure');
    expect(progressOf(result).error).toContain('lost the sync lease');
    expect(await count('daily_stats')).toBe(0);
    expect((await readState()).lease_owner).toBe('thief');
  });

  test('invalid range throws before taking the lease', async () => {
    await expect(runBackfill(deps, { range: { start: '2026-03-10', end: '2026-03-11' } })).rejects.toThrow(
      InvalidOperatorRequestError,
    );

    expect(source.requests).toEqual([]);
    expect((await readState()).lease_owner).toBeNull();
    expect(await count('sync_runs')).toBe(0);
  });
});
