import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { connect, type Sql } from '../../lib/db';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { exitCodeOf } from '../support/exitCode';
import { createCapturingLogger } from '../support/testLogger';
import { FakeUsageSource, upstreamRecord } from '../support/fakeUsageSource';
import { connectMigrated } from '../support/schema';
import { runSyncCycle } from '../../lib/syncCycle';
import { ManualClock } from '../support/manualClock';
import { MINUTE } from '../../lib/time';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

const suffix = randomBytes(4).toString('hex');
const ROLE = `aggregator_secret_${suffix}`;
const DATABASE_PASSWORD = `Db-Pass-${randomBytes(8).toString('hex')}`;
const API_KEY = `key_${randomBytes(12).toString('hex')}`;

let database: TestDatabase;
let databaseUrl: string;
let admin: Sql;
let simulator: RunningSimulator;

beforeAll(async () => {
  database = await createTestDatabase();
  admin = connect(database.url, { maxConnections: 1 });
  await admin.unsafe(`create role ${ROLE} login password '${DATABASE_PASSWORD}'`);
  const databaseName = new URL(database.url).pathname.slice(1);
  await admin.unsafe(`alter database ${databaseName} owner to ${ROLE}`);

  const url = new URL(inject('serverUrl'));
  url.username = ROLE;
  url.password = DATABASE_PASSWORD;
  url.pathname = `/${databaseName}`;
  databaseUrl = url.toString();

  simulator = await startSimulator({ port: 0, apiKey: API_KEY, developers: 20, rateLimitPerMin: 0, onError: () => {} });
});

afterAll(async () => {
  await simulator?.close();
  await admin?.end();
  await database?.drop();
  const server = postgres(inject('serverUrl'), { max: 1, onnotice: () => {} });
  await server.unsafe(`drop role if exists ${ROLE}`).catch(() => {});
  await server.end();
});

beforeEach(() => {
  simulator.setFaults({});
});

function run(script: string, env: Record<string, string>): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [path.join(ROOT, 'scripts', script)],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', POWERTOOLS_LOG_LEVEL: 'DEBUG', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ exitCode: exitCodeOf(error), output: stdout + stderr });
      },
    );
  });
}

describe('secrets', () => {
  test('secrets never appear in output or state', async () => {
    const env = { DATABASE_URL: databaseUrl, CURSOR_API_URL: simulator.url, CURSOR_API_KEY: API_KEY };

    const success = await run('syncOnce.ts', env);
    simulator.setFaults({ outageSeconds: 600 });
    const failure = await run('syncOnce.ts', env);
    const health = await run('health.ts', { DATABASE_URL: databaseUrl });
    const [state] = await admin`select last_error from sync_state`;
    const runs = await admin`select error from sync_runs`;

    expect(success.exitCode).toBe(0);
    expect(failure.exitCode).toBe(1);
    expect(state?.last_error).toContain('503');
    const everything = [success.output, failure.output, health.output, JSON.stringify(state), JSON.stringify(runs)].join('\n');
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(DATABASE_PASSWORD);
  });

  test('database password never appears when unreachable', async () => {
    const unreachable = new URL(databaseUrl);
    unreachable.port = '1';

    const sync = await run('syncOnce.ts', { DATABASE_URL: unreachable.toString(), CURSOR_API_URL: simulator.url });
    const health = await run('health.ts', { DATABASE_URL: unreachable.toString() });

    expect(sync.exitCode).toBe(1);
    expect(health.exitCode).toBe(1);
    expect(sync.output + health.output).not.toContain(DATABASE_PASSWORD);
    expect(health.output).not.toContain('postgres://');
  });

  test('wrong database password is not shown', async () => {
    const wrong = new URL(databaseUrl);
    wrong.password = 'Wrong-Password-Value-42';

    const health = await run('health.ts', { DATABASE_URL: wrong.toString() });

    expect(health.output).not.toContain('Wrong-Password-Value-42');
  });
});

describe('transport', () => {
  test('sslmode in DATABASE_URL is honored', async () => {
    const [server] = await admin<{ ssl: string }[]>`select current_setting('ssl') as ssl`;
    const required = new URL(databaseUrl);
    required.searchParams.set('sslmode', 'require');
    const disabled = new URL(databaseUrl);
    disabled.searchParams.set('sslmode', 'disable');

    const plain = connect(disabled.toString(), { maxConnections: 1 });
    const [plainRow] = await plain<{ ssl: boolean }[]>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`;
    await plain.end();
    expect(plainRow?.ssl).toBe(false);

    const encrypted = connect(required.toString(), { maxConnections: 1, connectTimeoutSeconds: 5 });
    try {
      if (server?.ssl === 'on') {
        const [row] = await encrypted<{ ssl: boolean }[]>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`;
        expect(row?.ssl).toBe(true);
      } else {
        await expect(encrypted`select 1`).rejects.toThrow(/ssl/i);
      }
    } finally {
      await encrypted.end({ timeout: 0 });
    }
  });

  test('oversized response is refused clearly', async () => {
    const result = await run('syncOnce.ts', {
      DATABASE_URL: databaseUrl,
      CURSOR_API_URL: simulator.url,
      CURSOR_API_KEY: API_KEY,
      CURSOR_MAX_RESPONSE_BYTES: '20000',
    });
    const [state] = await admin`select last_error from sync_state`;

    expect(result.exitCode).toBe(1);
    expect(state?.last_error).toContain('CURSOR_MAX_RESPONSE_BYTES');
  });
});

describe('parameterized statements', () => {
  test('hostile texts are stored as data', async () => {
    const hostile = [
      `Robert'); drop table developers; --`,
      `x"; delete from daily_stats where ''='`,
      '$1 $$ \\x00 ::text',
    ];
    const sql = await connectMigrated(databaseUrl);
    try {
      await sql`truncate daily_stats, developers, sync_runs, rejected_records restart identity cascade`;
      await sql`update sync_state set watermark = null, lease_owner = null, last_attempt_at = null, consecutive_failures = 0, state = 'healthy'`;
      const source = new FakeUsageSource(['mallory@example.com']);
      source.members = hostile.map((name, index) => ({ email: `mallory${index}@example.com`, name, role: name }));
      source.recordsFor = (range) =>
        range.end === '2026-03-10' ? [{ ...upstreamRecord('mallory0@example.com', '2026-03-09'), mostUsedModel: hostile[0] }] : [];
      const clock = new ManualClock('2026-03-10T10:00:00Z');

      const result = await runSyncCycle(
        {
          sql,
          source,
          clock,
          logger: createCapturingLogger().logger,
          config: { pollIntervalMs: MINUTE, syncLookbackDays: 3, syncStartDate: '2026-03-01', retentionDays: 90 },
          secrets: [],
        },
        { trigger: 'manual', stopRequestsAt: new Date('2026-03-10T10:10:00Z'), leaseExpiresAt: new Date('2026-03-10T10:15:00Z') },
      );

      expect(result.status).toBe('success');
      const names = await sql<{ name: string }[]>`select name from developers order by email`;
      expect(names.map((row) => row.name)).toEqual(hostile);
      const [stats] = await sql`select most_used_model from daily_stats`;
      expect(stats?.most_used_model).toBe(hostile[0]);
    } finally {
      await sql.end();
    }
  });
});
