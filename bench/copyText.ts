import { rowValues } from './dailyStatsRows';
import type { UsageRecord } from '../lib/usageRecord';

/** Bytes of COPY text per buffer. */
const BUFFER_BYTES = 1024 * 1024;

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * Collects rows in COPY text format (tab-separated, `\N` for NULL, one line
 * per row) in buffers of about 1 MiB, kept outside the JavaScript heap.
 */
export class CopyTextBuilder {
  private readonly buffers: Buffer[] = [];
  private lines: string[] = [];
  private length = 0;

  add(record: UsageRecord, developerId: string): void {
    const line = rowValues(record, developerId).map(formatField).join('\t') + '\n';
    this.lines.push(line);
    this.length += line.length;
    if (this.length >= BUFFER_BYTES) {
      this.flush();
    }
  }

  finish(): Buffer[] {
    this.flush();
    return this.buffers;
  }

  private flush(): void {
    if (this.lines.length > 0) {
      this.buffers.push(Buffer.from(this.lines.join(''), 'utf8'));
      this.lines = [];
      this.length = 0;
    }
  }
}

function formatField(value: string | number | boolean | null): string {
  if (value === null) {
    return '\\N';
  }
  if (typeof value !== 'string') {
    return String(value);
  }
  return value.replace(/[\\\t\n\r]/g, (character) => COPY_ESCAPES[character] ?? character);
}
