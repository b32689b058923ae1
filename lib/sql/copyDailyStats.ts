import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql, TransactionSql } from '../db';
import type { IsoDate } from '../time';
import { COUNT_COLUMNS, COUNT_FIELDS, TEXT_COLUMNS, TEXT_FIELDS } from '../usageRecord';

const VALUE_COLUMNS = [
  'is_active',
  ...COUNT_FIELDS.map((field) => COUNT_COLUMNS[field]),
  ...TEXT_FIELDS.map((field) => TEXT_COLUMNS[field]),
];
const ROW_COLUMNS = ['developer_id', 'date', ...VALUE_COLUMNS];

// Column lists come from the fixed names above, never from input, so they are
// safe to splice into statements. Values travel as parameters or through COPY.
const CREATE_STAGING = `
  create temp table if not exists daily_stats_staging (
    developer_id bigint not null,
    date date not null,
    is_active boolean,
    ${COUNT_FIELDS.map((field) => `${COUNT_COLUMNS[field]} integer`).join(',\n    ')},
    ${TEXT_FIELDS.map((field) => `${TEXT_COLUMNS[field]} text`).join(',\n    ')}
  ) on commit delete rows
`;

const COPY_INTO_STAGING = `copy daily_stats_staging (${ROW_COLUMNS.join(', ')}) from stdin`;
const COPY_INTO_DAILY_STATS = `copy daily_stats (${ROW_COLUMNS.join(', ')}) from stdin`;

/**
 * Moves staged rows into daily_stats, skipping rows whose values did not
 * change. $1 and $2 are the staged rows' first and last day. They let the
 * join read only those days through the date index, where it would otherwise
 * scan the whole table for every batch.
 */
const MERGE_STAGED_ROWS = `
  insert into daily_stats (${ROW_COLUMNS.join(', ')}, synced_at)
  select ${ROW_COLUMNS.map((column) => `staged.${column}`).join(', ')}, now()
  from daily_stats_staging as staged
  left join daily_stats as stored
    on stored.developer_id = staged.developer_id
   and stored.date = staged.date
   and stored.date between $1::date and $2::date
  where stored.developer_id is null
     or (${VALUE_COLUMNS.map((column) => `stored.${column}`).join(', ')})
        is distinct from (${VALUE_COLUMNS.map((column) => `staged.${column}`).join(', ')})
  on conflict (developer_id, date) do update
  set ${VALUE_COLUMNS.map((column) => `${column} = excluded.${column}`).join(', ')}, synced_at = excluded.synced_at
`;

/** Escapes a text column in SQL exactly as `formatText` does in JavaScript. */
function escapedTextSql(column: string): string {
  return `coalesce(replace(replace(replace(replace(${column}, '\\', '\\\\'), E'\\t', '\\t'), E'\\n', '\\n'), E'\\r', '\\r'), '\\N')`;
}

/**
 * Reads the stored rows of some developers over some days as COPY text lines,
 * in the same form as CopyTextWriter writes them, so that unchanged rows can be
 * recognized by comparing strings.
 */
const READ_STORED_LINES = `
  select concat_ws(E'\\t',
    developer_id::text,
    to_char(date, 'YYYY-MM-DD'),
    case when is_active then 't' when not is_active then 'f' else '\\N' end,
    ${COUNT_FIELDS.map((field) => `coalesce(${COUNT_COLUMNS[field]}::text, '\\N')`).join(',\n    ')},
    ${TEXT_FIELDS.map((field) => escapedTextSql(TEXT_COLUMNS[field])).join(',\n    ')}
  ) as line
  from daily_stats
  where date between $1::date and $2::date and developer_id = any($3::bigint[])
`;

/** Lines per chunk written to a COPY stream. */
const LINES_PER_CHUNK = 1000;

/** Rows in COPY's text format, as CopyTextWriter writes them. */
export interface CopyTextRows {
  /** Each chunk ends with a whole line. */
  chunks: readonly Buffer[];
  rowCount: number;
  /** Every developer id that the rows contain. Extra ids only widen the read of stored rows. */
  developerIds: readonly string[];
  /** The first and last day of the rows. */
  firstDay: IsoDate;
  lastDay: IsoDate;
}

/**
 * Upserts rows given as COPY text and returns how many were inserted or
 * changed.
 *
 * The stored rows of the same developers and days are read first. When
 * there are none, the rows go straight into daily_stats through COPY, the
 * fastest way PostgreSQL loads rows. Otherwise the rows are compared with the
 * stored ones as text lines, so unchanged rows cost no write at all: no dead
 * tuple, no WAL, no row lock. New rows are COPYed into daily_stats; changed
 * rows go through COPY into a temporary staging table and one
 * INSERT ... ON CONFLICT DO UPDATE.
 *
 * Only the lease holder writes daily_stats, so no row can appear between the
 * read and the COPY. The rows must contain at most one per (developer, day).
 *
 * NOTE: the temporary table pins the session behind a connection pooler such
 * as RDS Proxy; that is accepted for the one connection of the sync.
 */
export async function copyDailyStats(sql: TransactionSql, rows: CopyTextRows): Promise<number> {
  if (rows.chunks.length === 0) {
    return 0;
  }

  const storedLines = new Set(await readStoredLines(sql, rows.firstDay, rows.lastDay, rows.developerIds));
  if (storedLines.size === 0) {
    const stream = await sql.unsafe(COPY_INTO_DAILY_STATS).writable();
    await pipeline(Readable.from(rows.chunks), stream);
    return rows.rowCount;
  }

  const storedKeys = new Set<string>();
  for (const line of storedLines) {
    storedKeys.add(keyOfLine(line));
  }
  const newLines: string[] = [];
  const changedLines: string[] = [];
  for (const chunk of rows.chunks) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '' || storedLines.has(line)) {
        continue;
      }
      (storedKeys.has(keyOfLine(line)) ? changedLines : newLines).push(line);
    }
  }

  if (newLines.length > 0) {
    const stream = await sql.unsafe(COPY_INTO_DAILY_STATS).writable();
    await pipeline(Readable.from(chunked(newLines)), stream);
  }
  let changedRows = 0;
  if (changedLines.length > 0) {
    await sql.unsafe(CREATE_STAGING);
    // A previous batch of the same transaction may still be staged.
    await sql.unsafe('truncate daily_stats_staging');
    const stream = await sql.unsafe(COPY_INTO_STAGING).writable();
    await pipeline(Readable.from(chunked(changedLines)), stream);
    const result = await sql.unsafe(MERGE_STAGED_ROWS, [rows.firstDay, rows.lastDay]);
    changedRows = result.count;
  }
  return newLines.length + changedRows;
}

/** Reads stored rows as the COPY text lines that CopyTextWriter would write for them. */
export async function readStoredLines(
  sql: TransactionSql | Sql,
  firstDay: string,
  lastDay: string,
  developerIds: readonly string[],
): Promise<string[]> {
  const rows = await sql.unsafe<{ line: string }[]>(READ_STORED_LINES, [firstDay, lastDay, developerIds as string[]]);
  return rows.map((row) => row.line);
}

/** Returns "developer_id<TAB>date", the primary key part of a stored line. */
function keyOfLine(line: string): string {
  const firstTab = line.indexOf('\t');
  return line.slice(0, line.indexOf('\t', firstTab + 1));
}

function* chunked(lines: readonly string[]): Generator<string> {
  for (let start = 0; start < lines.length; start += LINES_PER_CHUNK) {
    yield `${lines.slice(start, start + LINES_PER_CHUNK).join('\n')}\n`;
  }
}
