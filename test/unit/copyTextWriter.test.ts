import { describe, expect, test } from 'vitest';
import { CopyTextWriter, formatLine } from '../../lib/copyTextWriter';
import { COUNT_FIELDS, MAX_COUNT, TEXT_FIELDS, type UsageRecord } from '../../lib/usageRecord';

function record(overrides: Partial<UsageRecord> = {}): UsageRecord {
  const counts = Object.fromEntries(COUNT_FIELDS.map((field, index) => [field, index * 7]));
  const texts = Object.fromEntries(TEXT_FIELDS.map((field) => [field, `${field} value`]));
  return { email: 'ada@example.com', date: '2026-03-09', isActive: true, ...counts, ...texts, ...overrides } as UsageRecord;
}

/**
 * COPY's text format written the plain way, field by field, as the reference,
 * passed through UTF-8 the way a string sent to PostgreSQL is (a lone
 * surrogate becomes U+FFFD).
 */
function expectedLine(row: UsageRecord, developerId: string): string {
  return Buffer.from(plainLine(row, developerId), 'utf8').toString('utf8');
}

function plainLine(row: UsageRecord, developerId: string): string {
  const escape = (value: string | null): string =>
    value === null
      ? '\\N'
      : value.replace(/[\\\t\n\r]/g, (character) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[character]!);
  const fields = [
    developerId,
    row.date,
    plainBoolean(row.isActive),
    ...COUNT_FIELDS.map((field) => (row[field] === null ? '\\N' : String(row[field]))),
    ...TEXT_FIELDS.map((field) => escape(row[field])),
  ];
  return fields.join('\t');
}

function plainBoolean(value: boolean | null): string {
  if (value === null) {
    return '\\N';
  }
  return value ? 't' : 'f';
}

describe('CopyTextWriter', () => {
  test.each([
    ['every count zero', record(Object.fromEntries(COUNT_FIELDS.map((field) => [field, 0])))],
    ['counts at digit boundaries', record({ totalLinesAdded: 9, totalLinesDeleted: 10, totalApplies: 99, totalAccepts: 100 })],
    ['the largest count', record({ totalTabsShown: MAX_COUNT, bugbotUsages: 1_000_000_000 })],
    ['null values', record({ isActive: null, totalLinesAdded: null, mostUsedModel: null, clientVersion: null })],
    ['false', record({ isActive: false })],
    ['escaped characters', record({ mostUsedModel: 'a\\b\tc\nd\re', applyMostUsedExtension: '\\N' })],
    ['an empty text', record({ tabMostUsedExtension: '' })],
    ['non-ASCII after ASCII', record({ mostUsedModel: 'model ß 漢字\tafter', clientVersion: 'é' })],
    ['an emoji and a lone surrogate', record({ mostUsedModel: 'test 🧪', applyMostUsedExtension: 'x\ud800y' })],
  ])('%s', (_name, row) => {
    const writer = new CopyTextWriter();

    writer.writeRow(row, '123456789');
    const written = Buffer.concat(writer.finish()).toString('utf8');

    expect(written).toBe(`${expectedLine(row, '123456789')}\n`);
  });

  test('formatLine drops the newline', () => {
    const row = record({ mostUsedModel: 'tab\there' });

    expect(formatLine(row, '7')).toBe(expectedLine(row, '7'));
  });

  test('chunks end with whole lines', () => {
    const writer = new CopyTextWriter();
    const rows = Array.from({ length: 2_000 }, (_, index) => record({ totalLinesAdded: index }));

    for (const row of rows) {
      writer.writeRow(row, '42');
    }
    const rowCount = writer.rows;
    const chunks = writer.finish();

    expect(rowCount).toBe(2_000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((chunk) => chunk.at(-1) === 0x0a)).toBe(true);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(rows.map((row) => `${expectedLine(row, '42')}\n`).join(''));
  });

  test('largest rows at every chunk offset', () => {
    const largest = record({
      ...Object.fromEntries(COUNT_FIELDS.map((field) => [field, MAX_COUNT])),
      ...Object.fromEntries(TEXT_FIELDS.map((field) => [field, null])),
      isActive: null,
    });
    const developerId = '9223372036854775807';
    const expectedLargest = `${expectedLine(largest, developerId)}\n`;

    // A first row of every length up to one largest row shifts where the
    // largest rows meet the end of the first chunk.
    for (let padding = 0; padding <= expectedLargest.length; padding++) {
      const writer = new CopyTextWriter();
      const first = record({ mostUsedModel: 'x'.repeat(padding) });
      writer.writeRow(first, '1');
      for (let row = 0; row < 150; row++) {
        writer.writeRow(largest, developerId);
      }
      const written = Buffer.concat(writer.finish()).toString('utf8');

      expect({ padding, written }).toEqual({ padding, written: `${expectedLine(first, '1')}\n${expectedLargest.repeat(150)}` });
    }
  });

  test('row longer than a chunk', () => {
    const writer = new CopyTextWriter();
    const long = record({ clientVersion: `${'ü\t'.repeat(40_000)}end` });

    writer.writeRow(record(), '1');
    writer.writeRow(long, '2');
    writer.writeRow(record(), '3');
    const written = Buffer.concat(writer.finish()).toString('utf8');

    expect(written).toBe([expectedLine(record(), '1'), expectedLine(long, '2'), expectedLine(record(), '3'), ''].join('\n'));
  });

  test('finish empties the writer', () => {
    const writer = new CopyTextWriter();
    writer.writeRow(record(), '1');
    writer.finish();

    expect(writer.rows).toBe(0);
    expect(writer.finish()).toEqual([]);
  });
});
