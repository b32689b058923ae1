// The HTTP server of the simulator: routing, authentication, the rate limit, and
// the faults that apply before a route builds its body.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { isAuthorized } from './auth.js';
import { streamJsonArray, type BodyEnding, type JsonArrayBody } from './bodyWriter.js';
import { resolveSimulatorSettings, type SimulatorOptions, type SimulatorSettings } from './config.js';
import { InvalidFaultsError } from './errors.js';
import { FaultState } from './faultState.js';
import { parseFaults, type Faults, type FaultsInput } from './faults.js';
import { UNICODE_STRESS_NAMES } from './names.js';
import { RateLimiter } from './rateLimiter.js';
import { parseUsageRequest, readBody } from './requestBody.js';
import { JSON_CONTENT_TYPE, sendError, sendJson } from './responses.js';
import { addNonMemberDeveloper, createTeam, listMembers, type Team, type TeamMember } from './team.js';
import { SECOND_MS } from './time.js';
import { buildUsageBody } from './usageResponse.js';

export const HOST = '127.0.0.1';

const MEMBERS_PATH = '/teams/members';
const USAGE_PATH = '/teams/daily-usage-data';
const FAULTS_PATH = '/admin/faults';
const API_METHODS: Readonly<Record<string, string>> = { [MEMBERS_PATH]: 'GET', [USAGE_PATH]: 'POST' };
const MAX_REQUEST_BODY_BYTES = 64 * 1024;
const LOOPBACK_ADDRESSES: ReadonlySet<string> = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Body sent by the `malformedBody` fault of kind `notJson`, as a misconfigured proxy would send it. */
const NOT_JSON_BODY = '<html><head><title>Bad Gateway</title></head><body>upstream connect error</body></html>';

export interface RunningSimulator {
  /** Base URL, such as http://127.0.0.1:4010, without a trailing slash. */
  url: string;
  port: number;
  /** The generated team, to compare responses against `generateUsage` and `listMembers`. */
  team: Team;
  /** Replaces the active fault set, as `POST /admin/faults` does. Throws InvalidFaultsError. */
  setFaults(faults: FaultsInput): void;
  /** Stops listening, ends every open connection, streaming or stalled, and resolves when the server is closed. */
  close(): Promise<void>;
}

/**
 * Starts the simulator on 127.0.0.1. Throws SimulatorConfigError for an invalid
 * option, and rejects when the port cannot be bound.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const settings = resolveSimulatorSettings(options);
  const team = createTeam({ seed: settings.seed, developers: settings.developers, historyDays: settings.historyDays });
  const state: ServerState = {
    settings,
    team,
    teamWithNonMember: addNonMemberDeveloper(team),
    members: listMembers(team),
    caseVariantEmail: pickCaseVariantEmail(team),
    faults: new FaultState(settings.seed),
    rateLimiter: new RateLimiter(settings.rateLimitPerMin),
    closing: new AbortController(),
  };
  state.faults.replace(settings.faults);

  const server = createServer((request, response) => {
    handleRequest(state, request, response).catch((error: unknown) => {
      reportError(state, error, response);
    });
  });
  await listen(server, settings.port);
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${HOST}:${port}`,
    port,
    team,
    setFaults: (faults) => state.faults.replace(parseFaults(faults)),
    close: () => {
      closed ??= closeServer(server, state.closing);
      return closed;
    },
  };
}

interface ServerState {
  settings: SimulatorSettings;
  team: Team;
  teamWithNonMember: Team;
  /** The roster is placed relative to the current day, so the member list never changes. */
  members: TeamMember[];
  caseVariantEmail: string | null;
  faults: FaultState;
  rateLimiter: RateLimiter;
  /** Aborted by close(), so that delayed responses stop waiting. */
  closing: AbortController;
}

async function handleRequest(state: ServerState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', `http://${HOST}`).pathname;
  const method = request.method ?? 'GET';

  if (path === FAULTS_PATH) {
    await handleFaultsRequest(state, request, response);
    return;
  }

  const allowedMethod = API_METHODS[path];
  if (allowedMethod === undefined) {
    sendError(response, 404, `No route for ${method} ${path}. The API serves GET ${MEMBERS_PATH} and POST ${USAGE_PATH}.`);
    return;
  }
  if (method !== allowedMethod) {
    sendError(response, 405, `${method} is not allowed on ${path}. Use ${allowedMethod}.`, { allow: allowedMethod });
    return;
  }

  const admitted = await applyRequestFaults(state, request, response);
  if (!admitted) {
    return;
  }

  if (path === MEMBERS_PATH) {
    await sendMembers(state, response);
  } else {
    await sendUsage(state, request, response);
  }
}

/**
 * Runs the checks and faults that come before a route builds its body: latency,
 * outage, authentication, the rate limit, injected 429s and server errors.
 * Returns false when a response was already sent.
 */
async function applyRequestFaults(state: ServerState, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
  const latencyMs = state.faults.latencyMs();
  if (latencyMs > 0) {
    const waited = await sleep(latencyMs, true, { signal: state.closing.signal }).catch(() => false);
    if (!waited) {
      response.destroy();
      return false;
    }
  }

  if (state.faults.outageRemainingMs() > 0) {
    sendError(response, 503, 'The service is temporarily unavailable (simulated outage).');
    return false;
  }

  const apiKey = state.settings.apiKey;
  if (apiKey !== undefined && !isAuthorized(request.headers.authorization, apiKey)) {
    sendError(response, 401, 'Missing or invalid API key. Send it as the HTTP Basic user name with an empty password.', {
      'www-authenticate': 'Basic realm="Cursor Admin API"',
    });
    return false;
  }

  const retryAfterMs = state.rateLimiter.tryAdmit();
  if (retryAfterMs !== null) {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / SECOND_MS));
    sendError(
      response,
      429,
      `Rate limit of ${state.settings.rateLimitPerMin} requests per minute exceeded. Retry after ${retryAfterSeconds} s.`,
      { 'retry-after': String(retryAfterSeconds) },
    );
    return false;
  }

  const tooManyRequests = state.faults.takeTooManyRequests();
  if (tooManyRequests !== null) {
    const headers: Record<string, string> = {};
    if (tooManyRequests.retryAfter === 'seconds') {
      headers['retry-after'] = String(tooManyRequests.retryAfterSeconds);
    } else if (tooManyRequests.retryAfter === 'httpDate') {
      headers['retry-after'] = new Date(Date.now() + tooManyRequests.retryAfterSeconds * SECOND_MS).toUTCString();
    }
    sendError(response, 429, 'Too many requests (simulated). Retry later.', headers);
    return false;
  }

  const errorStatus = state.faults.drawServerErrorStatus();
  if (errorStatus !== null) {
    sendError(response, errorStatus, `Simulated server error ${errorStatus}.`);
    return false;
  }

  return true;
}

async function sendMembers(state: ServerState, response: ServerResponse): Promise<void> {
  const members = state.faults.unicodeNames() ? withUnicodeNames(state.members) : state.members;
  await sendJsonArray(state, response, {
    prefix: '{"teamMembers":[',
    items: members.map((member) => JSON.stringify(member)),
    suffix: ']}',
  }, '{"status":"ok"}');
}

async function sendUsage(state: ServerState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const text = await readBody(request, MAX_REQUEST_BODY_BYTES);
  if (text === null) {
    sendError(response, 413, `Request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes.`);
    return;
  }

  const usageRequest = parseUsageRequest(text);
  if (!usageRequest.ok) {
    sendError(response, 400, usageRequest.message);
    return;
  }

  const body = buildUsageBody({
    team: state.team,
    teamWithNonMember: state.teamWithNonMember,
    caseVariantEmail: state.caseVariantEmail,
    startMs: usageRequest.startMs,
    endMs: usageRequest.endMs,
    now: state.settings.now(),
    faults: state.faults.recordFaults(),
  });
  const bodyWithoutData = `{"period":{"startDate":${usageRequest.startMs},"endDate":${usageRequest.endMs}}}`;
  await sendJsonArray(state, response, body, bodyWithoutData);
}

/**
 * Sends a 200 response with the body streamed, after applying at most one body
 * fault: a partial body (dropped or stalled), else a malformed body.
 * `bodyWithoutData` is the document sent for the `missingData` kind.
 */
async function sendJsonArray(state: ServerState, response: ServerResponse, body: JsonArrayBody, bodyWithoutData: string): Promise<void> {
  let ending: BodyEnding = state.faults.takePartialBody() ?? { kind: 'complete' };

  if (ending.kind === 'complete') {
    const malformedKind = state.faults.takeMalformedBody();
    if (malformedKind === 'notJson' || malformedKind === 'missingData') {
      const text = malformedKind === 'notJson' ? NOT_JSON_BODY : bodyWithoutData;
      response.writeHead(200, { 'content-type': JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
      response.end(text);
      return;
    }
    if (malformedKind === 'truncatedJson') {
      ending = { kind: 'truncate' };
    }
  }

  response.writeHead(200, { 'content-type': JSON_CONTENT_TYPE });
  await streamJsonArray(response, body, ending);
}

async function handleFaultsRequest(state: ServerState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (!LOOPBACK_ADDRESSES.has(request.socket.remoteAddress ?? '')) {
    sendError(response, 403, `${FAULTS_PATH} accepts requests from 127.0.0.1 or ::1 only.`);
    return;
  }

  switch (request.method) {
    case 'GET':
      sendJson(response, 200, state.faults.snapshot());
      return;
    case 'DELETE':
      state.faults.replace({});
      sendJson(response, 200, state.faults.snapshot());
      return;
    case 'POST':
      await replaceFaults(state, request, response);
      return;
    default:
      sendError(response, 405, `${request.method ?? ''} is not allowed on ${FAULTS_PATH}. Use GET, POST or DELETE.`, {
        allow: 'GET, POST, DELETE',
      });
  }
}

async function replaceFaults(state: ServerState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const text = await readBody(request, MAX_REQUEST_BODY_BYTES);
  if (text === null) {
    sendError(response, 413, `Request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes.`);
    return;
  }

  let faults: Faults;
  try {
    faults = parseFaults(JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof InvalidFaultsError) {
      sendError(response, 400, error instanceof SyntaxError ? `Fault set is not valid JSON (${error.message}).` : error.message);
      return;
    }
    throw error;
  }

  state.faults.replace(faults);
  sendJson(response, 200, state.faults.snapshot());
}

// The first member with role `member` who was in the team for the whole history,
// so that the case variants appear on every day of any window.
function pickCaseVariantEmail(team: Team): string | null {
  const developer = team.developers.find(
    (candidate) => candidate.role === 'member' && candidate.joinedDaysAgo === null && candidate.departedDaysAgo === null,
  );
  return developer?.email ?? null;
}

// Renames the members after the owner, one stress name each, keeping their e-mails.
function withUnicodeNames(members: readonly TeamMember[]): TeamMember[] {
  return members.map((member, position) => {
    const name = position === 0 ? undefined : UNICODE_STRESS_NAMES[position - 1];
    return name === undefined ? member : { ...member, name };
  });
}

function reportError(state: ServerState, error: unknown, response: ServerResponse): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  state.settings.onError(failure);
  if (!response.headersSent) {
    sendError(response, 500, 'The simulator failed to handle the request. See its log.');
  } else {
    response.destroy();
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: HOST, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server, closing: AbortController): Promise<void> {
  closing.abort();
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
    server.closeAllConnections();
  });
}
