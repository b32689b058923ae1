// JSON responses in the shape of the Cursor Admin API errors:
// {"error": <HTTP reason phrase>, "message": <what went wrong>}.

import { STATUS_CODES, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function sendError(response: ServerResponse, status: number, message: string, headers: OutgoingHttpHeaders = {}): void {
  sendJson(response, status, { error: STATUS_CODES[status] ?? 'Error', message }, headers);
}
