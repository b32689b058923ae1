import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Sql } from '../../lib/db';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { exitCodeOf } from '../support/exitCode';
import { findFreePort } from '../support/ports';
import { connectMigrated, resetTables } from '../support/schema';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

let database: TestDatabase;
let sql: Sql;
let simulator: RunningSimulator;
let closedPort: number;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = await connectMigrated(database.url);
  simulator = await startSimulator({ port: 0, rateLimitPerMin: 0, onError: () => {} });
  closedPort = await findFreePort();
});

afterAll(async () => {
  await simulator?.close();
  await sql?.end();
  await database?.drop();
});

beforeEach(async () => {
  await resetTables(sql);
  simulator.setFaults({});
});

interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs an npm script's entry point with only the given variables (plus PATH). */
function runCommand(script: string, env: Record<string, string>): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [path.join(ROOT, 'scripts', script)],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', POWERTOOLS_LOG_LEVEL: 'WARN', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ exitCode: exitCodeOf(error), stdout, stderr });
      },
    );
  });
}

describe('sync:once', () => {
  test('successful cycle exits 0', async () => {
    const result = await runCommand('syncOnce.ts', { DATABASE_URL: database.url, CURSOR_API_URL: simulator.url });

    expect(result.exitCode).toBe(0);
    const [run] = await sql`select trigger, outcome, developers from sync_runs`;
    expect(run?.trigger).toBe('manual');
    expect(run?.outcome).toBe('success');
    expect(run?.developers).toBe(100);
  });

  test('failed cycle exits 1', async () => {
    simulator.setFaults({ outageSeconds: 600 });

    const result = await runCommand('syncOnce.ts', { DATABASE_URL: database.url, CURSOR_API_URL: simulator.url });

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Sync failed');
    const [state] = await sql`select consecutive_failures from sync_state`;
    expect(state?.consecutive_failures).toBe(1);
  });

  test('invalid configuration exits 2', async () => {
    const result = await runCommand('syncOnce.ts', { DATABASE_URL: database.url, POLL_INTERVAL_MS: '25000' });

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('POLL_INTERVAL_MS');
    expect(result.stderr).toContain('25000');
  });

  test('held lease exits 0 without a cycle', async () => {
    await sql`update sync_state set lease_owner = 'other-run', lease_expires_at = now() + interval '10 minutes'`;

    const result = await runCommand('syncOnce.ts', { DATABASE_URL: database.url, CURSOR_API_URL: simulator.url });

    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('another run holds the lease');
    const [runs] = await sql`select count(*)::int as count from sync_runs`;
    expect(runs?.count).toBe(0);
  });

  test('missing embedded server is explained', async () => {
    const result = await runCommand('syncOnce.ts', {
      EMBEDDED_DATABASE_PORT: String(closedPort),
      CURSOR_API_URL: simulator.url,
    });

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('npm start');
    expect(result.stderr).toContain(`127.0.0.1:${closedPort}`);
  });
});

describe('health', () => {
  test('current data reports pass', async () => {
    await runCommand('syncOnce.ts', { DATABASE_URL: database.url, CURSOR_API_URL: simulator.url });

    const result = await runCommand('health.ts', { DATABASE_URL: database.url });

    expect(result.exitCode).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.status).toBe('pass');
    expect(document.checks['sync:watermark'][0].observedValue).toBe(
      new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
    );
  });

  test('no sync yet reports warn', async () => {
    const result = await runCommand('health.ts', { DATABASE_URL: database.url });

    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).status).toBe('warn');
  });

  test('degraded state reports fail', async () => {
    await sql`update sync_state set state = 'degraded', consecutive_failures = 10`;

    const result = await runCommand('health.ts', { DATABASE_URL: database.url });

    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).status).toBe('fail');
  });

  test('unreachable database reports only the connection', async () => {
    const url = `postgres://admin:hunter2secret@127.0.0.1:${closedPort}/usage`;

    const result = await runCommand('health.ts', { DATABASE_URL: url });

    expect(result.exitCode).toBe(1);
    const document = JSON.parse(result.stdout);
    expect(document.status).toBe('fail');
    expect(Object.keys(document.checks)).toEqual(['database:connection']);
    expect(result.stdout + result.stderr).not.toContain('hunter2secret');
  });

  test('missing embedded server is explained', async () => {
    const result = await runCommand('health.ts', { EMBEDDED_DATABASE_PORT: String(closedPort) });

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('npm start');
  });
});
