import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql, TransactionSql } from '../db';
import { COUNT_COLUMNS, COUNT_FIELDS, TEXT_COLUMNS, TEXT_FIELDS, type UsageRecord } from '../usageRecord';

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
 * in the same form as `formatLine` writes them, so that unchanged rows can be
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

/**
 * Upserts `records` and returns how many rows were inserted or changed.
 *
 * The stored rows of the same developers and days are read first and
 * compared as text, so unchanged rows cost no write at all: no dead tuple,
 * no WAL, no row lock. New rows go straight into daily_stats through COPY,
 * the fastest way PostgreSQL loads rows. Changed rows go through COPY into a
 * temporary staging table and one INSERT ... ON CONFLICT DO UPDATE.
 *
 * Only the lease holder writes daily_stats, so no row can appear between the
 * read and the COPY. The records must hold one per (email, date), and
 * `developerIds` must map each email to its developer id.
 *
 * NOTE: the temporary table pins the session behind a connection pooler such
 * as RDS Proxy; that is accepted for the one connection of the sync.
 */
export async function copyDailyStats(
  sql: TransactionSql,
  records: readonly UsageRecord[],
  developerIds: ReadonlyMap<string, string>,
): Promise<number> {
  if (records.length === 0) {
    return 0;
  }

  const { firstDay, lastDay } = dateRangeOf(records);
  const recordIds = records.map((record) => developerIdOf(record, developerIds));
  const batchDeveloperIds = [...new Set(recordIds)];
  const storedLines = new Set(await readStoredLines(sql, firstDay, lastDay, batchDeveloperIds));
  const storedKeys = new Set<string>();
  for (const line of storedLines) {
    storedKeys.add(keyOfLine(line));
  }

  // New rows are formatted while COPY streams them, so PostgreSQL ingests one
  // chunk while the next is formatted. Changed rows are set aside for the
  // merge, and unchanged ones dropped.
  const isStored = records.map((record, index) => storedKeys.has(`${recordIds[index]}\t${record.date}`));
  const newRows = isStored.reduce((count, stored) => (stored ? count : count + 1), 0);
  const changedLines: string[] = [];
  function* newLineChunks(): Generator<string> {
    let chunk = '';
    let lines = 0;
    for (const [index, record] of records.entries()) {
      const line = formatLine(record, recordIds[index]!);
      if (isStored[index]) {
        if (!storedLines.has(line)) {
          changedLines.push(line);
        }
        continue;
      }
      chunk += `${line}\n`;
      if (++lines === LINES_PER_CHUNK) {
        yield chunk;
        chunk = '';
        lines = 0;
      }
    }
    if (chunk !== '') {
      yield chunk;
    }
  }

  if (newRows > 0) {
    const stream = await sql.unsafe(COPY_INTO_DAILY_STATS).writable();
    await pipeline(Readable.from(newLineChunks()), stream);
  } else {
    // Nothing to COPY: running the generator only collects the changed lines.
    for (const unexpected of newLineChunks()) {
      throw new Error(`A new row appeared while classifying stored ones: ${unexpected.slice(0, 40)}`);
    }
  }
  let changedRows = 0;
  if (changedLines.length > 0) {
    await sql.unsafe(CREATE_STAGING);
    // A previous batch of the same transaction may still be staged.
    await sql.unsafe('truncate daily_stats_staging');
    const stream = await sql.unsafe(COPY_INTO_STAGING).writable();
    await pipeline(Readable.from(chunked(changedLines)), stream);
    const result = await sql.unsafe(MERGE_STAGED_ROWS, [firstDay, lastDay]);
    changedRows = result.count;
  }
  return newRows + changedRows;
}

/** Reads stored rows as the COPY text lines that `formatLine` would write for them. */
export async function readStoredLines(
  sql: TransactionSql | Sql,
  firstDay: string,
  lastDay: string,
  developerIds: readonly string[],
): Promise<string[]> {
  const rows = await sql.unsafe<{ line: string }[]>(READ_STORED_LINES, [firstDay, lastDay, developerIds as string[]]);
  return rows.map((row) => row.line);
}

function developerIdOf(record: UsageRecord, developerIds: ReadonlyMap<string, string>): string {
  const developerId = developerIds.get(record.email);
  if (developerId === undefined) {
    throw new Error(`No developer row for ${record.email}; insert unknown developers before writing their usage.`);
  }
  return developerId;
}

/** Returns "developer_id<TAB>date", the primary key part of a stored line. */
function keyOfLine(line: string): string {
  const firstTab = line.indexOf('\t');
  return line.slice(0, line.indexOf('\t', firstTab + 1));
}

/**
 * Formats a record as a line of COPY's text format, without the newline, in
 * the column order of ROW_COLUMNS. Written out field by field because it runs
 * once per row and a loop over field names is several times slower.
 */
export function formatLine(record: UsageRecord, developerId: string): string {
  return (
    `${developerId}\t${record.date}\t${formatBoolean(record.isActive)}` +
    `\t${formatCount(record.totalLinesAdded)}\t${formatCount(record.totalLinesDeleted)}` +
    `\t${formatCount(record.acceptedLinesAdded)}\t${formatCount(record.acceptedLinesDeleted)}` +
    `\t${formatCount(record.totalApplies)}\t${formatCount(record.totalAccepts)}\t${formatCount(record.totalRejects)}` +
    `\t${formatCount(record.totalTabsShown)}\t${formatCount(record.totalTabsAccepted)}` +
    `\t${formatCount(record.composerRequests)}\t${formatCount(record.chatRequests)}\t${formatCount(record.agentRequests)}` +
    `\t${formatCount(record.cmdkUsages)}\t${formatCount(record.subscriptionIncludedReqs)}` +
    `\t${formatCount(record.apiKeyReqs)}\t${formatCount(record.usageBasedReqs)}\t${formatCount(record.bugbotUsages)}` +
    `\t${formatText(record.mostUsedModel)}\t${formatText(record.applyMostUsedExtension)}` +
    `\t${formatText(record.tabMostUsedExtension)}\t${formatText(record.clientVersion)}`
  );
}

function formatCount(value: number | null): string {
  return value === null ? '\\N' : String(value);
}

function* chunked(lines: readonly string[]): Generator<string> {
  for (let start = 0; start < lines.length; start += LINES_PER_CHUNK) {
    yield `${lines.slice(start, start + LINES_PER_CHUNK).join('\n')}\n`;
  }
}

function dateRangeOf(records: readonly UsageRecord[]): { firstDay: string; lastDay: string } {
  let firstDay = records[0]!.date;
  let lastDay = firstDay;
  for (const record of records) {
    if (record.date < firstDay) {
      firstDay = record.date;
    } else if (record.date > lastDay) {
      lastDay = record.date;
    }
  }
  return { firstDay, lastDay };
}

function formatBoolean(value: boolean | null): string {
  if (value === null) {
    return '\\N';
  }
  return value ? 't' : 'f';
}

const COPY_SPECIAL_CHARACTERS = /[\\\t\n\r]/g;
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Escapes a value for COPY's text format; NULL is `\N`. */
function formatText(value: string | null): string {
  if (value === null) {
    return '\\N';
  }
  if (!NEEDS_ESCAPE.test(value)) {
    return value;
  }
  return value.replace(COPY_SPECIAL_CHARACTERS, (character) => COPY_ESCAPES[character] ?? character);
}
