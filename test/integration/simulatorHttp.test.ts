import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { listMembers } from '../../simulator/team';
import { generateUsage } from '../../simulator/usage';

const API_KEY = 'key_http_test_123';
const DAY_MS = 86_400_000;
const NOW_MS = Date.parse('2025-06-18T14:30:00Z');
const TODAY_MS = Date.UTC(2025, 5, 18);

let clockMs = NOW_MS;
let simulator: RunningSimulator;
const serverErrors: Error[] = [];

beforeAll(async () => {
  simulator = await startSimulator({
    port: 0,
    apiKey: API_KEY,
    rateLimitPerMin: 0,
    developers: 40,
    now: () => new Date(clockMs),
    onError: (error) => serverErrors.push(error),
  });
});

afterAll(async () => {
  await simulator?.close();
  expect(serverErrors).toEqual([]);
});

// Response.json() resolves to unknown, so the assertions check the shape instead.
async function readJson(response: Response): Promise<any> {
  return response.json();
}

function basicAuth(user: string, password = ''): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** `authorization` null sends no Authorization header. */
function getMembers(authorization: string | null = basicAuth(API_KEY)): Promise<Response> {
  const headers: Record<string, string> = authorization === null ? {} : { authorization };
  return fetch(`${simulator.url}/teams/members`, { headers });
}

function postUsage(body: unknown, authorization: string | null = basicAuth(API_KEY)): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== null) {
    headers.authorization = authorization;
  }
  return fetch(`${simulator.url}/teams/daily-usage-data`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('simulator routes', () => {
  test('members match listMembers', async () => {
    // Act
    const response = await getMembers();
    const body = await readJson(response);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(body).toEqual({ teamMembers: listMembers(simulator.team) });
  });

  test('usage matches generateUsage', async () => {
    // Arrange
    const startMs = TODAY_MS - 6 * DAY_MS;

    // Act
    const response = await postUsage({ startDate: startMs, endDate: NOW_MS });
    const body = await readJson(response);

    // Assess
    expect(response.status).toBe(200);
    expect(body.period).toEqual({ startDate: startMs, endDate: NOW_MS });
    expect(body.data).toEqual([...generateUsage(simulator.team, startMs, NOW_MS, new Date(NOW_MS))]);
    expect(body.data.length).toBeGreaterThan(6 * 38);
  });

  test.each([
    { name: 'same hour', laterMs: NOW_MS + 25 * 60_000, identical: true },
    { name: 'next hour', laterMs: TODAY_MS + 15 * 3_600_000, identical: false },
  ])('usage bytes within $name', async ({ laterMs, identical }) => {
    // Arrange
    const request = { startDate: TODAY_MS - 3 * DAY_MS, endDate: TODAY_MS };

    // Act
    clockMs = NOW_MS;
    const first = await (await postUsage(request)).text();
    clockMs = laterMs;
    const second = await (await postUsage(request)).text();
    clockMs = NOW_MS;

    // Assess
    expect(first === second).toBe(identical);
  });

  test('unknown route is 404 JSON', async () => {
    // Act
    const response = await fetch(`${simulator.url}/teams/usage`);
    const body = await readJson(response);

    // Assess
    expect(response.status).toBe(404);
    expect(body.error).toBe('Not Found');
    expect(body.message).toContain('/teams/usage');
  });

  test.each([
    { path: '/teams/members', method: 'POST', allow: 'GET' },
    { path: '/teams/daily-usage-data', method: 'GET', allow: 'POST' },
    { path: '/teams/daily-usage-data', method: 'PUT', allow: 'POST' },
    { path: '/admin/faults', method: 'PUT', allow: 'GET, POST, DELETE' },
  ])('$method $path is 405', async ({ path, method, allow }) => {
    // Act
    const response = await fetch(`${simulator.url}${path}`, { method, headers: { authorization: basicAuth(API_KEY) } });
    const body = await readJson(response);

    // Assess
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(body.error).toBe('Method Not Allowed');
  });
});

describe('simulator authentication', () => {
  test.each([
    { name: 'missing header', authorization: null },
    { name: 'wrong key', authorization: basicAuth('key_other') },
    { name: 'key as password', authorization: basicAuth('', API_KEY) },
    { name: 'bearer token', authorization: `Bearer ${API_KEY}` },
  ])('$name is 401 on both routes', async ({ authorization }) => {
    // Act
    const members = await getMembers(authorization);
    const usage = await postUsage({ startDate: TODAY_MS, endDate: TODAY_MS }, authorization);
    const body = await readJson(usage);

    // Assess
    expect(members.status).toBe(401);
    expect(usage.status).toBe(401);
    expect(usage.headers.get('www-authenticate')).toBe('Basic realm="Cursor Admin API"');
    expect(body.error).toBe('Unauthorized');
    expect(body.message).toContain('HTTP Basic user name');
  });

  test('key as user name is accepted', async () => {
    // Act
    const response = await getMembers(basicAuth(API_KEY));

    // Assess
    expect(response.status).toBe(200);
  });

  test('admin route needs no key', async () => {
    // Act
    const response = await fetch(`${simulator.url}/admin/faults`);

    // Assess
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({ faults: {}, outageEndsAt: null });
  });
});

describe('simulator usage request validation', () => {
  test.each([
    { name: 'not JSON', body: 'startDate=1', message: 'not valid JSON' },
    { name: 'missing startDate', body: { endDate: TODAY_MS }, message: 'startDate is missing' },
    { name: 'string endDate', body: { startDate: TODAY_MS, endDate: '2025-06-18' }, message: 'endDate must be' },
    { name: 'start after end', body: { startDate: TODAY_MS, endDate: TODAY_MS - 1 }, message: 'is after endDate' },
    { name: '30 days and 1 ms', body: { startDate: TODAY_MS - 30 * DAY_MS - 1, endDate: TODAY_MS }, message: 'at most 30 days' },
  ])('$name is 400', async ({ body, message }) => {
    // Act
    const response = await postUsage(body);
    const error = await readJson(response);

    // Assess
    expect(response.status).toBe(400);
    expect(error.error).toBe('Bad Request');
    expect(error.message).toContain(message);
  });

  test('exactly 30 days is accepted', async () => {
    // Act
    const response = await postUsage({ startDate: TODAY_MS - 30 * DAY_MS, endDate: TODAY_MS });
    const body = await readJson(response);

    // Assess
    expect(response.status).toBe(200);
    expect(new Set(body.data.map((record: { date: number }) => record.date)).size).toBe(31);
  });

  test('body over 64 KiB is 413', async () => {
    // Act
    const response = await postUsage(JSON.stringify({ startDate: TODAY_MS, endDate: TODAY_MS, padding: 'x'.repeat(70_000) }));

    // Assess
    expect(response.status).toBe(413);
    expect((await readJson(response)).error).toBe('Payload Too Large');
  });
});

describe('simulator rate limit', () => {
  test('fourth request of three per minute is 429', async () => {
    // Arrange
    const limited = await startSimulator({ port: 0, rateLimitPerMin: 3, developers: 5 });

    try {
      // Act: admin requests do not count toward the limit.
      for (let i = 0; i < 5; i += 1) {
        expect((await fetch(`${limited.url}/admin/faults`)).status).toBe(200);
      }
      const statuses = [];
      for (let i = 0; i < 3; i += 1) {
        statuses.push((await fetch(`${limited.url}/teams/members`)).status);
      }
      const rejected = await fetch(`${limited.url}/teams/daily-usage-data`, {
        method: 'POST',
        body: JSON.stringify({ startDate: TODAY_MS, endDate: TODAY_MS }),
      });
      const body = await readJson(rejected);

      // Assess
      expect(statuses).toEqual([200, 200, 200]);
      expect(rejected.status).toBe(429);
      expect(body.error).toBe('Too Many Requests');
      expect(body.message).toContain('3 requests per minute');
      const retryAfter = Number(rejected.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(59);
      expect(retryAfter).toBeLessThanOrEqual(60);
    } finally {
      await limited.close();
    }
  });

  test('default limit is 20 per minute', async () => {
    // Arrange
    const limited = await startSimulator({ port: 0, developers: 2 });

    try {
      // Act
      const statuses = [];
      for (let i = 0; i < 21; i += 1) {
        statuses.push((await fetch(`${limited.url}/teams/members`)).status);
      }

      // Assess
      expect(statuses.filter((status) => status === 200).length).toBe(20);
      expect(statuses[20]).toBe(429);
    } finally {
      await limited.close();
    }
  });
});

describe('simulator streaming', () => {
  test('large response streams valid JSON', async () => {
    // Arrange
    const large = await startSimulator({ port: 0, rateLimitPerMin: 0, developers: 2000, now: () => new Date(NOW_MS) });

    try {
      // Act
      const response = await fetch(`${large.url}/teams/daily-usage-data`, {
        method: 'POST',
        body: JSON.stringify({ startDate: TODAY_MS - 29 * DAY_MS, endDate: TODAY_MS }),
      });
      const text = await response.text();
      const body = JSON.parse(text);

      // Assess
      expect(response.headers.get('transfer-encoding')).toBe('chunked');
      expect(text.length).toBeGreaterThan(25_000_000);
      expect(body.data.length).toBe([...generateUsage(large.team, TODAY_MS - 29 * DAY_MS, TODAY_MS, new Date(NOW_MS))].length);
    } finally {
      await large.close();
    }
  });

  test('client abort mid-stream leaves server serving', async () => {
    // Arrange
    const large = await startSimulator({ port: 0, rateLimitPerMin: 0, developers: 2000, now: () => new Date(NOW_MS) });
    const controller = new AbortController();

    try {
      // Act
      const response = await fetch(`${large.url}/teams/daily-usage-data`, {
        method: 'POST',
        body: JSON.stringify({ startDate: TODAY_MS - 29 * DAY_MS, endDate: TODAY_MS }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      const next = await fetch(`${large.url}/teams/members`);

      // Assess
      expect(next.status).toBe(200);
      expect((await readJson(next)).teamMembers.length).toBeGreaterThan(1800);
    } finally {
      await large.close();
    }
  });

  test('close ends open connections', async () => {
    // Arrange
    const server = await startSimulator({ port: 0, rateLimitPerMin: 0, developers: 5, faults: { neverComplete: {} } });
    const response = await fetch(`${server.url}/teams/members`);

    // Act
    const startedMs = performance.now();
    await server.close();
    const closeMs = performance.now() - startedMs;

    // Assess
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(closeMs).toBeLessThan(1000);
  });
});
