/**
 * Incremental reader of a JSON object's top-level `data` array. It receives
 * the body in chunks and hands over each element of `data` as soon as it is
 * complete, so a large response is never held, or parsed, as a whole.
 *
 * Only the structure around `data` is checked (brackets, strings, escapes);
 * each element is parsed with JSON.parse. Other top-level members are
 * skipped. Throws InvalidJsonError for a body that is not a JSON object, is
 * cut short, or has no `data` array.
 */
export class JsonDataArrayReader {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  private closed = false;

  /** Bytes of the top-level string being read (a key, or a string value). */
  private keyPieces: Uint8Array[] | undefined;
  private lastString: string | undefined;
  private currentKey: string | undefined;

  private inDataArray = false;
  private foundData = false;
  /** Bytes of the element being read; undefined between elements. */
  private elementPieces: Uint8Array[] | undefined;
  /** Whether the element being read is an object or array (ends at its bracket). */
  private elementIsContainer = false;
  private elementCount = 0;
  private currentChunkOffset = 0;

  /**
   * The chunks received and their byte offsets in the body. The chunks live
   * outside the JavaScript heap, and `textOf` reads an element's text from
   * them, so no string per element is kept.
   */
  private readonly chunks: Uint8Array[] = [];
  private readonly chunkOffsets: number[] = [];
  private bodyBytes = 0;
  /**
   * Body offsets of an element's first byte and of the byte after its last,
   * by element index, for the elements read one at a time.
   */
  private readonly elementStarts: number[] = [];
  private readonly elementEnds: number[] = [];
  /** Runs of elements parsed with one JSON.parse: body offsets and element indexes. */
  private readonly runs: { start: number; end: number; firstIndex: number; count: number }[] = [];

  /**
   * `onElement` receives each element parsed, and its index for `textOf`.
   * With `parseRuns` (the default), runs of whole elements within a chunk are
   * parsed with one JSON.parse, which is several times faster than finding
   * each element's end byte by byte.
   */
  constructor(
    private readonly onElement: (element: unknown, index: number) => void,
    private readonly parseRuns = true,
  ) {}

  get elements(): number {
    return this.elementCount;
  }

  /** Returns the JSON text of element `index` as received. */
  textOf(index: number): string {
    const start = this.elementStarts[index];
    const end = this.elementEnds[index];
    if (start === undefined || end === undefined) {
      return this.textInRun(index);
    }
    return this.bodyText(start, end);
  }

  /** Reads the run that contains element `index` again, one element at a time. */
  private textInRun(index: number): string {
    const run = this.runs.find((candidate) => index >= candidate.firstIndex && index < candidate.firstIndex + candidate.count);
    if (run === undefined) {
      throw new RangeError(`No element ${index} has been read.`);
    }
    const reader = new JsonDataArrayReader(() => {}, false);
    reader.write(Buffer.from(`{"data":[${this.bodyText(run.start, run.end)}]}`, 'utf8'));
    reader.end();
    return reader.textOf(index - run.firstIndex);
  }

  private bodyText(start: number, end: number): string {
    const pieces: Uint8Array[] = [];
    for (let chunkIndex = this.chunkContaining(start); chunkIndex < this.chunks.length; chunkIndex++) {
      const chunkStart = this.chunkOffsets[chunkIndex]!;
      const chunk = this.chunks[chunkIndex]!;
      if (chunkStart >= end) {
        break;
      }
      pieces.push(chunk.subarray(Math.max(0, start - chunkStart), Math.min(chunk.length, end - chunkStart)));
    }
    return Buffer.concat(pieces).toString('utf8');
  }

  private chunkContaining(offset: number): number {
    let low = 0;
    let high = this.chunkOffsets.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.chunkOffsets[middle]! <= offset) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return low;
  }

  write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.chunkOffsets.push(this.bodyBytes);
    const chunkOffset = this.bodyBytes;
    this.bodyBytes += chunk.length;
    this.currentChunkOffset = chunkOffset;
    let pieceStart = 0;
    let keyStart = this.keyPieces === undefined ? -1 : 0;
    // Cleared when a run fails to parse, so the rest of the chunk goes byte by byte.
    let tryRuns = this.parseRuns;

    for (let index = 0; index < chunk.length; index++) {
      const byte = chunk[index]!;

      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          continue;
        }
        if (byte !== QUOTE && byte !== BACKSLASH) {
          // Most of a body is keys and text, so strings are skipped with the
          // built-in search for the next quote. That quote ends the string
          // unless an odd run of backslashes escapes it.
          const quote = chunk.indexOf(QUOTE, index);
          if (quote !== -1) {
            let before = quote - 1;
            while (before >= index && chunk[before] === BACKSLASH) {
              before--;
            }
            const escapedQuote = (quote - 1 - before) % 2 === 1;
            // The loop's increment lands on the closing quote, or just after an escaped one.
            index = escapedQuote ? quote : quote - 1;
          } else {
            // The string goes on in the next chunk; an odd run of trailing
            // backslashes escapes that chunk's first byte.
            let before = chunk.length - 1;
            while (before >= index && chunk[before] === BACKSLASH) {
              before--;
            }
            this.escaped = (chunk.length - 1 - before) % 2 === 1;
            index = chunk.length - 1;
          }
          continue;
        }
        if (byte === BACKSLASH) {
          this.escaped = true;
        } else {
          this.inString = false;
          if (this.keyPieces !== undefined) {
            this.keyPieces.push(chunk.subarray(keyStart, index + 1));
            this.lastString = JSON.parse(Buffer.concat(this.keyPieces).toString('utf8')) as string;
            this.keyPieces = undefined;
            keyStart = -1;
          }
          if (this.elementPieces !== undefined && !this.elementIsContainer && this.depth === 2) {
            // A string element ends with its closing quote.
            this.finishElement(chunk, pieceStart, index + 1);
          }
        }
        continue;
      }

      if (byte === SPACE || byte === NEWLINE || byte === TAB || byte === CARRIAGE_RETURN) {
        if (this.elementPieces !== undefined && !this.elementIsContainer && this.depth === 2) {
          this.finishElement(chunk, pieceStart, index);
        }
        continue;
      }

      if (this.closed) {
        throw new InvalidJsonError('unexpected content after the end of the JSON object');
      }
      if (!this.started) {
        if (byte !== OPEN_BRACE) {
          throw new InvalidJsonError('the body is not a JSON object');
        }
        this.started = true;
      }

      if (tryRuns && byte === OPEN_BRACE && this.inDataArray && this.depth === 2 && this.elementPieces === undefined) {
        const runEnd = this.parseRun(chunk, index, chunkOffset);
        if (runEnd !== -1) {
          index = runEnd;
          continue;
        }
        tryRuns = false;
      }

      // An element of `data` starts at its first byte.
      if (this.inDataArray && this.depth === 2 && this.elementPieces === undefined && byte !== COMMA && byte !== CLOSE_BRACKET) {
        this.elementPieces = [];
        this.elementIsContainer = byte === OPEN_BRACE || byte === OPEN_BRACKET;
        pieceStart = index;
        this.elementStarts[this.elementCount] = chunkOffset + index;
      } else if (this.elementPieces !== undefined && !this.elementIsContainer && this.depth === 2 && (byte === COMMA || byte === CLOSE_BRACKET)) {
        // A number, true, false or null ends before the next comma or bracket.
        this.finishElement(chunk, pieceStart, index);
      }

      switch (byte) {
        case QUOTE:
          this.inString = true;
          if (this.depth === 1) {
            this.keyPieces = [];
            keyStart = index;
          }
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          if (this.depth === 1 && byte === OPEN_BRACKET && this.currentKey === 'data') {
            this.inDataArray = true;
            this.foundData = true;
          }
          this.depth++;
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          this.depth--;
          if (this.depth < 0) {
            throw new InvalidJsonError('unbalanced brackets');
          }
          if (this.depth === 2 && this.elementPieces !== undefined && this.elementIsContainer) {
            this.finishElement(chunk, pieceStart, index + 1);
          } else if (this.depth === 1 && this.inDataArray) {
            this.inDataArray = false;
          } else if (this.depth === 0) {
            this.closed = true;
          }
          break;
        case COLON:
          if (this.depth === 1) {
            this.currentKey = this.lastString;
          }
          break;
        case COMMA:
          if (this.depth === 1) {
            this.currentKey = undefined;
          }
          break;
        default:
          break;
      }
    }

    if (this.keyPieces !== undefined && keyStart >= 0) {
      this.keyPieces.push(chunk.subarray(keyStart));
    }
    if (this.elementPieces !== undefined) {
      this.elementPieces.push(chunk.subarray(pieceStart));
    }
  }

  /** Checks that the body ended as a complete object with a `data` array. */
  end(): void {
    if (!this.started) {
      throw new InvalidJsonError('the body is empty');
    }
    if (!this.closed || this.inString) {
      throw new InvalidJsonError('the body ends before the JSON object is complete (truncated)');
    }
    if (!this.foundData) {
      throw new InvalidJsonError('the JSON object has no "data" array');
    }
  }

  /**
   * Parses the elements from `start` (an element's first byte) to the last
   * `}` of the chunk with one JSON.parse, and returns that `}`'s position, or
   * -1 when the bytes between are not whole elements (the chunk ends inside
   * an element, or the data array ends before it).
   *
   * The run starts outside any string at the array's level, so JSON.parse
   * reads the same strings and brackets as the document does. It accepts the
   * run only if the run ends outside any string, back at the array's level:
   * exactly where one element ends.
   */
  private parseRun(chunk: Uint8Array, start: number, chunkOffset: number): number {
    const end = chunk.lastIndexOf(CLOSE_BRACE);
    if (end <= start) {
      return -1;
    }
    let elements: unknown;
    try {
      const text = Buffer.from(chunk.buffer, chunk.byteOffset + start, end + 1 - start).toString('utf8');
      elements = JSON.parse(`[${text}]`);
    } catch {
      return -1;
    }
    if (!Array.isArray(elements)) {
      return -1;
    }
    this.runs.push({ start: chunkOffset + start, end: chunkOffset + end + 1, firstIndex: this.elementCount, count: elements.length });
    for (const element of elements) {
      this.onElement(element, this.elementCount);
      this.elementCount++;
    }
    return end;
  }

  private finishElement(chunk: Uint8Array, start: number, end: number): void {
    this.elementEnds[this.elementCount] = this.currentChunkOffset + end;
    const pieces = this.elementPieces!;
    pieces.push(chunk.subarray(start, end));
    this.elementPieces = undefined;
    const text = pieces.length === 1 ? Buffer.from(pieces[0]!.buffer, pieces[0]!.byteOffset, pieces[0]!.byteLength).toString('utf8') : Buffer.concat(pieces).toString('utf8');
    let element: unknown;
    try {
      element = JSON.parse(text);
    } catch (error) {
      throw new InvalidJsonError(`element ${this.elementCount} of "data" is not valid JSON`, error);
    }
    this.onElement(element, this.elementCount);
    this.elementCount++;
  }
}

export class InvalidJsonError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'InvalidJsonError';
  }
}

const TAB = 0x09;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
