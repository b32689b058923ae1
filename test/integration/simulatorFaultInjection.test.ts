import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { MALFORMED_RECORD_KINDS } from '../../simulator/faults';
import { UNICODE_STRESS_NAMES } from '../../simulator/names';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { listMembers } from '../../simulator/team';
import { generateUsage, type UsageRecord } from '../../simulator/usage';

const DAY_MS = 86_400_000;
const NOW_MS = Date.parse('2025-06-18T14:30:00Z');
const TODAY_MS = Date.UTC(2025, 5, 18);
const WEEK_REQUEST = { startDate: TODAY_MS - 6 * DAY_MS, endDate: TODAY_MS };

let simulator: RunningSimulator;
const serverErrors: Error[] = [];

beforeAll(async () => {
  simulator = await startSimulator({
    port: 0,
    rateLimitPerMin: 0,
    developers: 30,
    now: () => new Date(NOW_MS),
    onError: (error) => serverErrors.push(error),
  });
});

afterEach(async () => {
  await fetch(`${simulator.url}/admin/faults`, { method: 'DELETE' });
});

afterAll(async () => {
  await simulator?.close();
  expect(serverErrors).toEqual([]);
});

// Response.json() resolves to unknown, so the assertions check the shape instead.
async function readJson(response: Response): Promise<any> {
  return response.json();
}

async function postFaults(faults: unknown): Promise<Response> {
  return fetch(`${simulator.url}/admin/faults`, { method: 'POST', body: JSON.stringify(faults) });
}

async function setFaults(faults: unknown): Promise<void> {
  const response = await postFaults(faults);
  expect(response.status, await response.clone().text()).toBe(200);
}

function getMembers(init: RequestInit = {}): Promise<Response> {
  return fetch(`${simulator.url}/teams/members`, init);
}

function postUsage(request: unknown = WEEK_REQUEST, init: RequestInit = {}): Promise<Response> {
  return fetch(`${simulator.url}/teams/daily-usage-data`, { method: 'POST', body: JSON.stringify(request), ...init });
}

function expectedUsage(): UsageRecord[] {
  return [...generateUsage(simulator.team, WEEK_REQUEST.startDate, WEEK_REQUEST.endDate, new Date(NOW_MS))];
}

describe('admin faults endpoint', () => {
  test('POST replaces and GET reads', async () => {
    // Act
    await setFaults({ latencyMs: 1, unicodeNames: true });
    await setFaults({ tooManyRequests: { count: 3 } });
    const body = await readJson(await fetch(`${simulator.url}/admin/faults`));

    // Assess
    expect(body).toEqual({ faults: { tooManyRequests: { retryAfter: 'seconds', retryAfterSeconds: 30, count: 3 } }, outageEndsAt: null });
  });

  test('DELETE clears', async () => {
    // Arrange
    await setFaults({ latencyMs: 1 });

    // Act
    const response = await fetch(`${simulator.url}/admin/faults`, { method: 'DELETE' });

    // Assess
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({ faults: {}, outageEndsAt: null });
  });

  test.each([
    { name: 'unknown key', body: JSON.stringify({ latency: 5 }), message: 'unknown key "latency"' },
    { name: 'invalid value', body: JSON.stringify({ serverErrors: { probability: -1 } }), message: '"serverErrors.probability"' },
    { name: 'not JSON', body: '{latency', message: 'not valid JSON' },
  ])('rejects $name with 400', async ({ body, message }) => {
    // Act
    const response = await fetch(`${simulator.url}/admin/faults`, { method: 'POST', body });
    const error = await readJson(response);

    // Assess
    expect(response.status).toBe(400);
    expect(error.error).toBe('Bad Request');
    expect(error.message).toContain(message);
  });

  test('rejected body keeps active set', async () => {
    // Arrange
    await setFaults({ latencyMs: 1 });

    // Act
    await postFaults({ latencyMs: 1, bogus: true });
    const body = await readJson(await fetch(`${simulator.url}/admin/faults`));

    // Assess
    expect(body.faults).toEqual({ latencyMs: 1 });
  });

  test('setFaults validates', () => {
    expect(() => simulator.setFaults({ bogus: true } as never)).toThrow('unknown key "bogus"');
  });
});

describe('transport faults', () => {
  test('outage answers 503 until it ends', async () => {
    // Arrange
    await setFaults({ outageSeconds: 0.4 });

    // Act
    const state = await readJson(await fetch(`${simulator.url}/admin/faults`));
    const members = await getMembers();
    const usage = await postUsage();
    await new Promise((resolve) => setTimeout(resolve, 450));
    const after = await getMembers();

    // Assess
    expect(Date.parse(state.outageEndsAt)).toBeGreaterThan(Date.now() - 1000);
    expect(members.status).toBe(503);
    expect(usage.status).toBe(503);
    expect((await readJson(usage)).error).toBe('Service Unavailable');
    expect(after.status).toBe(200);
  });

  test.each([
    { retryAfter: 'seconds', check: (header: string | null) => header === '7' },
    { retryAfter: 'httpDate', check: (header: string | null) => header !== null && Math.abs(Date.parse(header) - Date.now() - 7000) < 2000 },
    { retryAfter: 'absent', check: (header: string | null) => header === null },
  ])('429 with Retry-After $retryAfter for two requests', async ({ retryAfter, check }) => {
    // Arrange
    await setFaults({ tooManyRequests: { retryAfter, retryAfterSeconds: 7, count: 2 } });

    // Act
    const first = await postUsage();
    const second = await getMembers();
    const third = await getMembers();

    // Assess
    expect(first.status).toBe(429);
    expect((await readJson(first)).error).toBe('Too Many Requests');
    expect(check(first.headers.get('retry-after'))).toBe(true);
    expect(second.status).toBe(429);
    expect(third.status).toBe(200);
  });

  test('uncounted 429 applies to every request', async () => {
    // Arrange
    await setFaults({ tooManyRequests: {} });

    // Act
    const statuses = [];
    for (let i = 0; i < 5; i += 1) {
      statuses.push((await getMembers()).status);
    }

    // Assess
    expect(statuses).toEqual([429, 429, 429, 429, 429]);
  });

  test.each([
    { probability: 1, status: 503, minimum: 20, maximum: 20 },
    { probability: 0.5, status: 500, minimum: 3, maximum: 17 },
    { probability: 0, status: 500, minimum: 0, maximum: 0 },
  ])('server errors at probability $probability', async ({ probability, status, minimum, maximum }) => {
    // Arrange
    await setFaults({ serverErrors: { probability, status } });

    // Act
    const statuses = [];
    for (let i = 0; i < 20; i += 1) {
      statuses.push((await getMembers()).status);
    }

    // Assess
    const errors = statuses.filter((code) => code !== 200);
    expect(errors.length).toBeGreaterThanOrEqual(minimum);
    expect(errors.length).toBeLessThanOrEqual(maximum);
    expect(errors.filter((code) => code !== status)).toEqual([]);
  });

  test('latency delays the response', async () => {
    // Arrange
    await setFaults({ latencyMs: 150 });

    // Act
    const startedMs = performance.now();
    const response = await getMembers();
    const elapsedMs = performance.now() - startedMs;

    // Assess
    expect(response.status).toBe(200);
    expect(elapsedMs).toBeGreaterThanOrEqual(145);
  });
});

describe('partial body faults', () => {
  test.each([
    { route: 'usage', afterBytes: 200, send: () => postUsage() },
    { route: 'members', afterBytes: 200, send: () => getMembers() },
    { route: 'members shorter than afterBytes', afterBytes: 10_000_000, send: () => getMembers() },
    { route: 'usage at zero bytes', afterBytes: 0, send: () => postUsage() },
  ])('dropped connection on $route', async ({ afterBytes, send }) => {
    // Arrange
    await setFaults({ dropConnection: { afterBytes, count: 1 } });

    // Act
    const response = await send();
    const read = response.text();

    // Assess
    expect(response.status).toBe(200);
    await expect(read).rejects.toThrow();
    expect((await getMembers()).status).toBe(200);
  });

  test('never-complete response stalls', async () => {
    // Arrange
    await setFaults({ neverComplete: { afterBytes: 300, count: 1 } });

    // Act
    const response = await postUsage(WEEK_REQUEST, { signal: AbortSignal.timeout(400) });
    const reader = response.body!.getReader();
    const first = await reader.read();
    const rest = reader.read();

    // Assess
    expect(response.status).toBe(200);
    expect(first.value!.byteLength).toBeGreaterThan(0);
    expect(first.value!.byteLength).toBeLessThanOrEqual(300);
    await expect(rest).rejects.toThrow(/abort|timeout/i);
    expect((await getMembers()).status).toBe(200);
  });
});

describe('malformed body faults', () => {
  test('not JSON', async () => {
    // Arrange
    await setFaults({ malformedBody: { kind: 'notJson', count: 1 } });

    // Act
    const response = await postUsage();
    const text = await response.text();
    const next = await postUsage();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect((await readJson(next)).data.length).toBe(expectedUsage().length);
  });

  test.each([
    { route: 'usage', send: () => postUsage(), missing: 'data' },
    { route: 'members', send: () => getMembers(), missing: 'teamMembers' },
  ])('missing data on $route', async ({ send, missing }) => {
    // Arrange
    await setFaults({ malformedBody: { kind: 'missingData' } });

    // Act
    const body = await readJson(await send());

    // Assess
    expect(typeof body).toBe('object');
    expect(body).not.toHaveProperty(missing);
  });

  test.each([
    { route: 'usage', send: () => postUsage() },
    { route: 'members', send: () => getMembers() },
  ])('truncated JSON on $route', async ({ send }) => {
    // Arrange
    await setFaults({ malformedBody: { kind: 'truncatedJson' } });

    // Act
    const response = await send();
    const text = await response.text();

    // Assess
    expect(response.status).toBe(200);
    expect(text.length).toBeGreaterThan(20);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });
});

describe('record faults', () => {
  test('malformed records replace the first records', async () => {
    // Arrange
    await setFaults({ malformedRecords: [...MALFORMED_RECORD_KINDS, 'negativeCount'] });
    const expected = expectedUsage();

    // Act
    const data: Record<string, unknown>[] = (await readJson(await postUsage())).data;

    // Assess
    expect(data.length).toBe(expected.length);
    expect(data[0]!.totalLinesAdded).toBeLessThan(0);
    expect(data[1]!.totalApplies).toBe(expected[1]!.totalApplies + 0.5);
    expect(data[2]!.totalTabsShown).toBe(String(expected[2]!.totalTabsShown));
    expect(data[3]!.totalLinesDeleted).toBe(2 ** 31);
    expect(data[4]).not.toHaveProperty('email');
    expect(data[5]!.email).not.toContain('@');
    expect(data[6]).not.toHaveProperty('date');
    expect(data[7]!.date).toBe('not-a-date');
    expect(data[8]!.mostUsedModel).toBeNull();
    expect(data[8]!.totalRejects).toBeNull();
    expect(data[9]).not.toHaveProperty('clientVersion');
    expect(data[10]!.experimentalScore).toBe(0.42);
    expect(data[11]!.totalLinesAdded).toBeLessThanOrEqual(0);
    expect(data.slice(12)).toEqual(expected.slice(12));
  });

  test('duplicate records come last with new values', async () => {
    // Arrange
    await setFaults({ malformedRecords: ['missingEmail'], duplicateRecords: 2 });
    const expected = expectedUsage();

    // Act
    const data: UsageRecord[] = (await readJson(await postUsage())).data;

    // Assess
    expect(data.length).toBe(expected.length + 2);
    const duplicates = data.slice(-2);
    expect(duplicates.map((record) => [record.email, record.date])).toEqual([
      [expected[1]!.email, expected[1]!.date],
      [expected[2]!.email, expected[2]!.date],
    ]);
    expect(duplicates[0]!.totalLinesAdded).toBe(expected[1]!.totalLinesAdded + 7);
    expect(duplicates[0]!.totalTabsAccepted).toBeLessThanOrEqual(duplicates[0]!.totalTabsShown);
    expect(data[1]).toEqual(expected[1]);
  });

  test('non-member usage', async () => {
    // Arrange
    await setFaults({ nonMemberUsage: true });
    const memberEmails = new Set(listMembers(simulator.team).map((member) => member.email));
    const departedEmails = new Set(simulator.team.developers.filter((developer) => developer.departedDaysAgo !== null).map((developer) => developer.email));

    // Act
    const data: UsageRecord[] = (await readJson(await postUsage())).data;
    const members = (await readJson(await getMembers())).teamMembers;

    // Assess
    const outsiders = data.filter((record) => !memberEmails.has(record.email) && !departedEmails.has(record.email));
    expect(new Set(outsiders.map((record) => record.email))).toEqual(new Set(['robin.hale@contractor.example.net']));
    expect(outsiders.length).toBe(7);
    expect(members.length).toBe(memberEmails.size);
  });

  test('e-mail case variants of one member', async () => {
    // Arrange
    await setFaults({ emailCaseVariants: true });
    const memberEmails = new Set(listMembers(simulator.team).map((member) => member.email));

    // Act
    const data: UsageRecord[] = (await readJson(await postUsage())).data;
    const members: { email: string }[] = (await readJson(await getMembers())).teamMembers;

    // Assess
    const variants = data.filter((record) => record.email !== record.email.toLowerCase());
    const lowerCased = new Set(variants.map((record) => record.email.toLowerCase()));
    expect(variants.length).toBeGreaterThanOrEqual(4);
    expect(new Set(variants.map((record) => record.email)).size).toBe(2);
    expect(lowerCased.size).toBe(1);
    expect(memberEmails.has([...lowerCased][0]!)).toBe(true);
    expect(members.filter((member) => member.email !== member.email.toLowerCase())).toEqual([]);
    const keys = data.map((record) => `${record.email.toLowerCase()} ${record.date}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('names in many scripts', async () => {
    // Arrange
    await setFaults({ unicodeNames: true });
    const expected = listMembers(simulator.team);

    // Act
    const members: { name: string; email: string }[] = (await readJson(await getMembers())).teamMembers;

    // Assess
    expect(members.map((member) => member.email)).toEqual(expected.map((member) => member.email));
    expect(members.slice(1, 1 + UNICODE_STRESS_NAMES.length).map((member) => member.name)).toEqual(UNICODE_STRESS_NAMES);
    expect(members.some((member) => /\p{Script=Arabic}/u.test(member.name))).toBe(true);
    expect(members.some((member) => /\p{Extended_Pictographic}/u.test(member.name))).toBe(true);
    expect(members.some((member) => /\p{M}/u.test(member.name) && member.name.normalize('NFC') !== member.name)).toBe(true);
  });
});

describe('faults at start', () => {
  test('faults option is active from the first request', async () => {
    // Arrange
    const faulty = await startSimulator({ port: 0, rateLimitPerMin: 0, developers: 3, faults: { serverErrors: { probability: 1, status: 502 } } });

    try {
      // Act
      const response = await fetch(`${faulty.url}/teams/members`);

      // Assess
      expect(response.status).toBe(502);
      expect((await readJson(response)).error).toBe('Bad Gateway');
    } finally {
      await faulty.close();
    }
  });
});
