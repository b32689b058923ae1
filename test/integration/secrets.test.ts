import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { closeHealthRuntime, readHealthDocument } from '../../functions/health';
import { closeSyncRuntime, handler } from '../../functions/sync';
import type { Sql } from '../../lib/db';
import { SECRET_MAX_AGE_SECONDS } from '../../lib/secrets';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { connectMigrated, resetTables } from '../support/schema';

const API_KEY = 'key_from_ssm_5f1d9c0e7a';
const DATABASE_PARAMETER = '/cursor-usage-aggregator/test/database-url';
const KEY_PARAMETER = '/cursor-usage-aggregator/test/cursor-api-key';

const ssm = mockClient(SSMClient);
let database: TestDatabase;
let sql: Sql;
let simulator: RunningSimulator;
let savedEnv: NodeJS.ProcessEnv;
let output: string[];

beforeAll(async () => {
  database = await createTestDatabase();
  sql = await connectMigrated(database.url);
  simulator = await startSimulator({ port: 0, apiKey: API_KEY, developers: 5, historyDays: 10, rateLimitPerMin: 0, onError: () => {} });
});

afterAll(async () => {
  ssm.restore();
  await simulator?.close();
  await sql?.end();
  await database?.drop();
});

beforeEach(async () => {
  await resetTables(sql);
  ssm.reset();
  savedEnv = { ...process.env };
  // No test reaches AWS: the SDK client is mocked, and these keep the SDK
  // from looking for credentials or probing the EC2 metadata address.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test-dummy-key-id',
    AWS_SECRET_ACCESS_KEY: 'test-dummy-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    CURSOR_API_URL: simulator.url,
    SYNC_START_DATE: new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10),
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  for (const name of ['DATABASE_URL', 'CURSOR_API_KEY', 'DATABASE_URL_SSM_PARAMETER', 'CURSOR_API_KEY_SSM_PARAMETER']) {
    delete process.env[name];
  }
  // Powertools writes info and warnings to stdout, errors to stderr.
  output = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
  }
});

afterEach(async () => {
  vi.restoreAllMocks();
  await closeSyncRuntime();
  await closeHealthRuntime();
  process.env = savedEnv;
});

function givenParameters(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    ssm.on(GetParameterCommand, { Name: name, WithDecryption: true }).resolves({ Parameter: { Name: name, Value: value } });
  }
}

function callsFor(name: string): number {
  return ssm.commandCalls(GetParameterCommand, { Name: name }).length;
}

async function invokeManual() {
  const context = { getRemainingTimeInMillis: () => 15 * 60_000 } as unknown as Context;
  return handler({ action: 'sync' }, context);
}

async function readState() {
  const [state] = await sql<{ consecutive_failures: number; last_error: string | null }[]>`
    select consecutive_failures, last_error from sync_state
  `;
  return state!;
}

describe('secrets from SSM', () => {
  test('cycle uses both parameters decrypted', async () => {
    givenParameters({ [DATABASE_PARAMETER]: database.url, [KEY_PARAMETER]: API_KEY });
    Object.assign(process.env, { DATABASE_URL_SSM_PARAMETER: DATABASE_PARAMETER, CURSOR_API_KEY_SSM_PARAMETER: KEY_PARAMETER });

    const result = await invokeManual();

    expect(result.cycles[0]?.status).toBe('success');
    const [runs] = await sql<{ count: number }[]>`select count(*)::int as count from sync_runs where outcome = 'success'`;
    expect(runs?.count).toBe(1);
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input.WithDecryption).toBe(true);
  });

  test('values are cached across invocations', async () => {
    givenParameters({ [DATABASE_PARAMETER]: database.url, [KEY_PARAMETER]: API_KEY });
    Object.assign(process.env, { DATABASE_URL_SSM_PARAMETER: DATABASE_PARAMETER, CURSOR_API_KEY_SSM_PARAMETER: KEY_PARAMETER });

    await invokeManual();
    await invokeManual();

    expect(callsFor(DATABASE_PARAMETER)).toBe(1);
    expect(callsFor(KEY_PARAMETER)).toBe(1);
  });

  test('rotated value is read after the max age', async () => {
    givenParameters({ [DATABASE_PARAMETER]: database.url, [KEY_PARAMETER]: API_KEY });
    Object.assign(process.env, { DATABASE_URL_SSM_PARAMETER: DATABASE_PARAMETER, CURSOR_API_KEY_SSM_PARAMETER: KEY_PARAMETER });
    await invokeManual();
    // Only Date is faked: the driver's timers keep running on real time.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + (SECRET_MAX_AGE_SECONDS + 1) * 1000);

    try {
      await invokeManual();
    } finally {
      vi.useRealTimers();
    }

    expect(callsFor(DATABASE_PARAMETER)).toBe(2);
    expect(callsFor(KEY_PARAMETER)).toBe(2);
  });

  test('plain value wins with one warning', async () => {
    givenParameters({ [KEY_PARAMETER]: 'key_that_must_not_be_used' });
    Object.assign(process.env, { DATABASE_URL: database.url, CURSOR_API_KEY: API_KEY, CURSOR_API_KEY_SSM_PARAMETER: KEY_PARAMETER });

    const first = await invokeManual();
    await invokeManual();

    expect(first.cycles[0]?.status).toBe('success');
    expect(callsFor(KEY_PARAMETER)).toBe(0);
    const warnings = output.filter((line) => line.includes('Both CURSOR_API_KEY and CURSOR_API_KEY_SSM_PARAMETER are set'));
    expect(warnings).toHaveLength(1);
  });
});

describe('SSM failures', () => {
  test.each([
    ['missing parameter', { name: 'ParameterNotFound', message: 'Parameter not found' }, 'was not found'],
    ['missing permission', { name: 'AccessDeniedException', message: 'User is not authorized' }, 'Access denied'],
    ['unreachable SSM', { name: 'TimeoutError', message: 'connect ETIMEDOUT' }, 'Failed to read'],
  ])('%s fails the cycle naming the parameter', async (_case, failure, wording) => {
    const error = Object.assign(new Error(failure.message), { name: failure.name });
    ssm.on(GetParameterCommand, { Name: KEY_PARAMETER }).rejects(error);
    Object.assign(process.env, { DATABASE_URL: database.url, CURSOR_API_KEY_SSM_PARAMETER: KEY_PARAMETER });

    const result = await invokeManual();

    expect(result.cycles[0]?.status).toBe('failure');
    const state = await readState();
    expect(state.consecutive_failures).toBe(1);
    expect(state.last_error).toContain(KEY_PARAMETER);
    expect(state.last_error).toContain(wording);
  });

  test('secret value never appears in failures', async () => {
    givenParameters({ [DATABASE_PARAMETER]: database.url, [KEY_PARAMETER]: 'key_wrong_but_secret_81c3' });
    Object.assign(process.env, { DATABASE_URL_SSM_PARAMETER: DATABASE_PARAMETER, CURSOR_API_KEY_SSM_PARAMETER: KEY_PARAMETER });

    const result = await invokeManual();

    expect(result.cycles[0]?.status).toBe('failure');
    const state = await readState();
    expect(state.last_error).toContain('Authentication failed');
    expect(state.last_error).not.toContain('key_wrong_but_secret_81c3');
    expect(output.join('')).not.toContain('key_wrong_but_secret_81c3');
  });

  test('missing database parameter fails the invocation', async () => {
    ssm.on(GetParameterCommand, { Name: DATABASE_PARAMETER }).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    Object.assign(process.env, { DATABASE_URL_SSM_PARAMETER: DATABASE_PARAMETER });

    await expect(invokeManual()).rejects.toThrow(DATABASE_PARAMETER);
    expect(output.some((line) => line.includes('"level":"ERROR"') && line.includes(DATABASE_PARAMETER))).toBe(true);
  });

  test('health reports an unreadable database parameter', async () => {
    ssm.on(GetParameterCommand, { Name: DATABASE_PARAMETER }).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    Object.assign(process.env, { DATABASE_URL_SSM_PARAMETER: DATABASE_PARAMETER });

    const document = await readHealthDocument();

    expect(document.status).toBe('fail');
    expect(document.output).toContain(DATABASE_PARAMETER);
    expect(Object.keys(document.checks)).toEqual(['database:connection']);
  });
});

describe('connections', () => {
  test('dropped connection is replaced between invocations', async () => {
    Object.assign(process.env, { DATABASE_URL: database.url, CURSOR_API_KEY: API_KEY });
    await invokeManual();

    // Ends every session of the aggregator on this database, as a server
    // restart or an idle cut by a middlebox would.
    const name = new URL(database.url).pathname.slice(1);
    await sql`
      select pg_terminate_backend(pid) from pg_stat_activity
      where datname = ${name} and application_name = 'cursor-usage-aggregator' and pid <> pg_backend_pid()
    `;
    const result = await invokeManual();

    expect(result.cycles[0]?.status).toBe('success');
  });
});
