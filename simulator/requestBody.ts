// Reading request bodies and validating the body of `POST /teams/daily-usage-data`.

import type { IncomingMessage } from 'node:http';

import { DAY_MS } from './time.js';

/** Maximum length of the date range of one usage request: `endDate - startDate`. */
export const MAX_USAGE_RANGE_MS = 30 * DAY_MS;

export type UsageRequest = { ok: true; startMs: number; endMs: number } | { ok: false; message: string };

/**
 * Reads the whole request body as UTF-8. Returns null when it is longer than
 * `maxBytes`. The rest is still read and discarded so that the response can be sent.
 */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= maxBytes) {
      chunks.push(buffer);
    }
  }
  return size > maxBytes ? null : Buffer.concat(chunks).toString('utf8');
}

/** Validates `{"startDate": <epoch ms>, "endDate": <epoch ms>}` and the 30-day limit. */
export function parseUsageRequest(text: string): UsageRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `Request body is not valid JSON (${reason}). Send {"startDate": <epoch ms>, "endDate": <epoch ms>}.` };
  }

  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'Request body must be a JSON object with startDate and endDate in epoch milliseconds.' };
  }

  const fields = body as Record<string, unknown>;
  const start = readEpochMs(fields, 'startDate');
  if (typeof start === 'string') {
    return { ok: false, message: start };
  }
  const end = readEpochMs(fields, 'endDate');
  if (typeof end === 'string') {
    return { ok: false, message: end };
  }

  if (start.value > end.value) {
    return { ok: false, message: `startDate ${start.value} is after endDate ${end.value}.` };
  }
  if (end.value - start.value > MAX_USAGE_RANGE_MS) {
    const days = (end.value - start.value) / DAY_MS;
    return {
      ok: false,
      message: `The date range is ${days.toFixed(2)} days long, but endDate - startDate must be at most 30 days (${MAX_USAGE_RANGE_MS} ms).`,
    };
  }
  return { ok: true, startMs: start.value, endMs: end.value };
}

// Returns the value, or the error message when it is missing or not an epoch time.
function readEpochMs(fields: Record<string, unknown>, name: string): { value: number } | string {
  const value = fields[name];
  if (value === undefined || value === null) {
    return `${name} is missing. Send it as epoch milliseconds.`;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    return `${name} must be a non-negative integer of epoch milliseconds, got ${JSON.stringify(value)}.`;
  }
  return { value };
}
