import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { toError, UpstreamError, type UpstreamFailureKind } from './errors';
import { InvalidJsonError, JsonDataArrayReader } from './jsonDataArray';
import { parseRetryAfterMs } from './retryAfter';
import type { TeamMember } from './sql/refreshMembers';
import { SECOND, startOfDayMs, type Clock } from './time';
import type { UsageRecordSink } from './usageRecord';
import type { DateRange } from './window';

/** Delays before the first and the second retry of one request. */
export const RETRY_DELAYS_MS = [1 * SECOND, 2 * SECOND];

/** A longer Retry-After ends the cycle instead; the backoff schedule takes over. */
export const MAX_IN_CYCLE_RETRY_AFTER_MS = 30 * SECOND;

const RETRYABLE: ReadonlySet<UpstreamFailureKind> = new Set(['rate_limited', 'server_error', 'timeout', 'network']);

export interface CursorClientOptions {
  baseUrl: string;
  /** The API key, or a function that returns it (read from SSM, cached there); undefined sends no credentials. */
  apiKey: string | undefined | (() => Promise<string | undefined>);
  requestTimeoutMs: number;
  maxResponseBytes: number;
  clock: Clock;
  logger: Logger;
}

export interface DailyUsageResponse {
  /** Records handed to the sink. */
  records: number;
  responseBytes: number;
}

/** The subset of the client that the sync cycle uses, so tests can replace it. */
export interface UsageSource {
  fetchMembers(): Promise<TeamMember[]>;
  /** Streams the records of one range into `sink`, which is reset before each attempt. */
  fetchDailyUsage(range: DateRange, sink: UsageRecordSink): Promise<DailyUsageResponse>;
}

const membersSchema = z.object({
  teamMembers: z.array(
    z.object({
      name: z.string().nullish(),
      email: z.string().trim().toLowerCase().pipe(z.email()),
      role: z.string().nullish(),
    }),
  ),
});

/**
 * Client of the Cursor Admin API subset: team members and daily usage. Each
 * request has a timeout and a size limit, and is retried at most twice on
 * 429, 5xx, timeouts and network errors.
 */
export class CursorClient implements UsageSource {
  constructor(private readonly options: CursorClientOptions) {}

  private async authorization(): Promise<string | undefined> {
    const apiKey = typeof this.options.apiKey === 'function' ? await this.options.apiKey() : this.options.apiKey;
    return apiKey === undefined ? undefined : `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;
  }

  async fetchMembers(): Promise<TeamMember[]> {
    const body = await this.requestWithRetries('GET', '/teams/members', undefined, (response) => this.readJson('GET', '/teams/members', response));
    const parsed = membersSchema.safeParse(body);
    if (!parsed.success) {
      throw new UpstreamError(
        'malformed_response',
        `The Cursor Admin API returned an invalid member list from GET /teams/members: ${z.prettifyError(parsed.error).slice(0, 300)}`,
      );
    }
    return parsed.data.teamMembers.map((member) => ({
      email: member.email,
      name: member.name ?? null,
      role: member.role ?? null,
    }));
  }

  async fetchDailyUsage(range: DateRange, sink: UsageRecordSink): Promise<DailyUsageResponse> {
    const path = '/teams/daily-usage-data';
    const requestBody = { startDate: startOfDayMs(range.start), endDate: startOfDayMs(range.end) };
    return this.requestWithRetries('POST', path, requestBody, async (response) => {
      const reader = new JsonDataArrayReader((record, index) => sink.add(record, index));
      sink.reset((index) => reader.textOf(index));
      try {
        const bytes = await this.readLimited('POST', path, response, (chunk) => reader.write(chunk));
        reader.end();
        return { records: reader.elements, responseBytes: bytes };
      } catch (error) {
        if (error instanceof InvalidJsonError) {
          throw new UpstreamError(
            'malformed_response',
            `The Cursor Admin API returned an invalid body for ${range.start}..${range.end}: ${error.message}. ` +
              'The days stay unsynced and the cycle is retried.',
            { status: response.status, cause: error },
          );
        }
        throw error;
      }
    });
  }

  private async requestWithRetries<T>(
    method: string,
    path: string,
    body: unknown,
    readBody: (response: Response) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request(method, path, body, readBody);
      } catch (thrown) {
        const error = thrown instanceof UpstreamError ? thrown : toError(thrown);
        const delayMs = this.retryDelayMs(error, attempt);
        if (delayMs === undefined) {
          throw error;
        }
        this.options.logger.warn('Retrying upstream request', {
          method,
          path,
          attempt: attempt + 1,
          maxRetries: RETRY_DELAYS_MS.length,
          delayMs,
          reason: error.message,
        });
        await this.options.clock.sleep(delayMs);
      }
    }
  }

  private retryDelayMs(error: Error, attempt: number): number | undefined {
    if (!(error instanceof UpstreamError) || !RETRYABLE.has(error.kind) || attempt >= RETRY_DELAYS_MS.length) {
      return undefined;
    }
    const retryAfterMs = error.retryAfterMs;
    if (retryAfterMs === undefined) {
      return RETRY_DELAYS_MS[attempt];
    }
    return retryAfterMs <= MAX_IN_CYCLE_RETRY_AFTER_MS ? retryAfterMs : undefined;
  }

  private async request<T>(method: string, path: string, body: unknown, readBody: (response: Response) => Promise<T>): Promise<T> {
    const url = `${this.options.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    const authorization = await this.authorization();
    if (authorization !== undefined) {
      headers.authorization = authorization;
    }
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }

    const signal = AbortSignal.timeout(this.options.requestTimeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        redirect: 'error',
      });
    } catch (error) {
      throw this.transportError(method, path, error, signal);
    }

    if (!response.ok) {
      throw await this.statusError(method, path, response);
    }

    try {
      return await readBody(response);
    } catch (error) {
      throw error instanceof UpstreamError ? error : this.transportError(method, path, error, signal);
    }
  }

  private async readJson(method: string, path: string, response: Response): Promise<unknown> {
    const chunks: Uint8Array[] = [];
    await this.readLimited(method, path, response, (chunk) => chunks.push(chunk));
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch (error) {
      throw new UpstreamError('malformed_response', `The Cursor Admin API returned a body that is not valid JSON for ${method} ${path}.`, {
        status: response.status,
        cause: error,
      });
    }
  }

  /** Passes the body on chunk by chunk and returns its size; refuses more than CURSOR_MAX_RESPONSE_BYTES. */
  private async readLimited(
    method: string,
    path: string,
    response: Response,
    onChunk: (chunk: Uint8Array) => void,
  ): Promise<number> {
    const limit = this.options.maxResponseBytes;
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > limit) {
      await response.body?.cancel();
      throw this.tooLarge(method, path, declared);
    }

    let bytes = 0;
    if (response.body !== null) {
      for await (const chunk of response.body) {
        bytes += chunk.byteLength;
        if (bytes > limit) {
          await response.body.cancel().catch(() => {});
          throw this.tooLarge(method, path, bytes);
        }
        onChunk(chunk);
      }
    }
    return bytes;
  }

  private tooLarge(method: string, path: string, bytes: number): UpstreamError {
    return new UpstreamError(
      'response_too_large',
      `The response to ${method} ${path} exceeded CURSOR_MAX_RESPONSE_BYTES (${this.options.maxResponseBytes} bytes; ` +
        `at least ${bytes} received). Raise CURSOR_MAX_RESPONSE_BYTES if this team needs it.`,
    );
  }

  private transportError(method: string, path: string, error: unknown, signal: AbortSignal): UpstreamError {
    if (signal.aborted) {
      return new UpstreamError(
        'timeout',
        `The request ${method} ${path} timed out after ${this.options.requestTimeoutMs} ms (CURSOR_REQUEST_TIMEOUT_MS).`,
        { cause: error },
      );
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? toError(error).message;
    return new UpstreamError('network', `The request ${method} ${path} failed before a complete response: ${detail}.`, {
      cause: error,
    });
  }

  private async statusError(method: string, path: string, response: Response): Promise<UpstreamError> {
    const status = response.status;
    const upstreamMessage = await readErrorMessage(response);
    const suffix = upstreamMessage === '' ? '' : ` (${upstreamMessage})`;

    if (status === 401 || status === 403) {
      return new UpstreamError(
        'authentication',
        `Authentication failed: the Cursor Admin API returned status ${status} for ${method} ${path}${suffix}. Check CURSOR_API_KEY.`,
        { status },
      );
    }
    if (status === 400) {
      return new UpstreamError('bad_request', `The Cursor Admin API rejected ${method} ${path} as a bad request (400)${suffix}.`, {
        status,
      });
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), this.options.clock.now());
      return new UpstreamError('rate_limited', `The Cursor Admin API rate-limited ${method} ${path} (429)${suffix}.`, {
        status,
        retryAfterMs,
      });
    }
    if (status >= 500) {
      return new UpstreamError('server_error', `The Cursor Admin API failed with ${status} on ${method} ${path}${suffix}.`, {
        status,
        retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after'), this.options.clock.now()),
      });
    }
    return new UpstreamError('unexpected_status', `The Cursor Admin API returned status ${status} for ${method} ${path}${suffix}.`, {
      status,
    });
  }
}

/** Reads the `message` of an upstream error body, shortened; an empty string when there is none. */
async function readErrorMessage(response: Response): Promise<string> {
  try {
    const text = (await response.text()).slice(0, 2000);
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.error === 'string' ? parsed.error : '';
    return message.replace(/\s+/g, ' ').replace(/[.\s]+$/, '').slice(0, 200);
  } catch {
    return '';
  }
}
