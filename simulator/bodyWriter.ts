// Streaming of JSON documents built around one large array, such as
// {"data":[...],"period":{...}}. A 30-day response for 10,000 developers is about
// 150 MB, so the body is written in chunks as the records are generated, and the
// writer waits for 'drain' whenever the socket buffer is full.

import type { ServerResponse } from 'node:http';

import type { PartialBodyFault } from './faultState.js';

/** The document: `prefix`, then the items separated by commas, then `suffix`. */
export interface JsonArrayBody {
  prefix: string;
  items: Iterable<string>;
  suffix: string;
}

/**
 * Ending of the body: in full, cut in the middle of the last item and then ended
 * cleanly (`truncate`), or cut by a partial-body fault.
 */
export type BodyEnding = { kind: 'complete' } | { kind: 'truncate' } | PartialBodyFault;

/** Characters gathered before a write. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Writes the body to a response whose status and headers are already set with
 * `writeHead`. Resolves when the body is written, the connection is gone, or a
 * partial-body fault has cut the body. A `drop` or `stall` fault always leaves the
 * body incomplete, even when it is shorter than `afterBytes`.
 */
export async function streamJsonArray(response: ServerResponse, body: JsonArrayBody, ending: BodyEnding): Promise<void> {
  const cutAtBytes = ending.kind === 'drop' || ending.kind === 'stall' ? ending.afterBytes : Number.POSITIVE_INFINITY;
  let bytesWritten = 0;
  let buffer = body.prefix;
  let lastItemStart = -1;
  let firstItem = true;

  // Flushing happens before an item is added, so the buffer always ends with the
  // last item once the loop is over, which `truncate` needs.
  for (const item of body.items) {
    if (buffer.length >= CHUNK_CHARS) {
      const bytes = Buffer.byteLength(buffer);
      if (bytesWritten + bytes >= cutAtBytes) {
        cutBody(response, buffer, cutAtBytes - bytesWritten, ending);
        return;
      }
      bytesWritten += bytes;
      const writable = await writeChunk(response, buffer);
      if (!writable) {
        return;
      }
      buffer = '';
    }

    if (!firstItem) {
      buffer += ',';
    }
    lastItemStart = buffer.length;
    buffer += item;
    firstItem = false;
  }

  if (ending.kind === 'complete') {
    response.end(buffer + body.suffix);
    return;
  }
  if (ending.kind === 'truncate') {
    const cutAt = lastItemStart === -1 ? Math.floor(buffer.length / 2) : lastItemStart + Math.floor((buffer.length - lastItemStart) / 2);
    response.end(buffer.slice(0, cutAt));
    return;
  }

  const rest = buffer + body.suffix;
  const halfOfRest = Math.floor(Buffer.byteLength(rest) / 2);
  cutBody(response, rest, Math.min(cutAtBytes - bytesWritten, halfOfRest), ending);
}

/** Writes the first `byteCount` bytes of `text`, then drops the connection or leaves the response open. */
function cutBody(response: ServerResponse, text: string, byteCount: number, ending: BodyEnding): void {
  const part = Buffer.from(text).subarray(0, Math.max(0, byteCount));
  if (part.length > 0) {
    response.write(part);
  } else {
    response.flushHeaders();
  }

  if (ending.kind === 'drop') {
    // end() sends what is buffered, then FIN. The HTTP response itself never
    // ends, so the client sees the connection close in the middle of the body.
    response.socket?.end();
  }
}

// Returns false when the connection closed before the buffer drained.
async function writeChunk(response: ServerResponse, chunk: string): Promise<boolean> {
  if (isConnectionGone(response)) {
    return false;
  }
  if (!response.write(chunk)) {
    await waitForDrainOrClose(response);
  }
  return !isConnectionGone(response);
}

function isConnectionGone(response: ServerResponse): boolean {
  return response.destroyed || response.socket === null || response.socket.destroyed;
}

function waitForDrainOrClose(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const settle = (): void => {
      response.off('drain', settle);
      response.off('close', settle);
      resolve();
    };
    response.on('drain', settle);
    response.on('close', settle);
  });
}
