import { createHash, type Hash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Sql, TransactionSql } from './db';
import { CopyTextWriter } from './copyTextWriter';
import { copyDailyStats, type CopyTextRows } from './sql/copyDailyStats';
import { keepDigestsForThisTransaction, readDayDigests, storeDayDigests, type DayDigest } from './sql/dayDigests';
import { advanceWatermark, insertUnknownDevelopers, readDeveloperIds, storeRejectedRecords } from './sql/writeUsage';
import type { Clock, IsoDate } from './time';
import type { RejectedRecord, UsageRecord, ValidatedBatch } from './usageRecord';
import type { DateRange } from './window';

/** Rows per upsert statement: large enough to amortize a round trip, small enough to bound memory. */
export const WRITE_BATCH_ROWS = 25_000;


export interface RequestToWrite {
  runId: string;
  request: DateRange;
  batch: ValidatedBatch;
  yesterday: IsoDate;
  /** Developer ids known from earlier requests of the cycle; filled as developers are written. */
  developerIds?: Map<string, string>;
}

export interface WrittenRequest {
  emails: Set<string>;
  rowsUpserted: number;
  rowsChanged: number;
  rowsRejected: number;
}

/**
 * Validates one response's records and stores them in ONE transaction with
 * the watermark, so the watermark never points past stored data.
 */
export async function writeRequest(
  deps: { sql: Sql; logger: Logger; clock: Clock },
  input: RequestToWrite,
): Promise<WrittenRequest> {
  const { records, rejected } = input.batch;

  const stored = await storeUsage(deps, {
    runId: input.runId,
    request: input.request,
    records,
    rejected,
    yesterday: input.yesterday,
    developerIds: input.developerIds,
  });
  return { ...stored, rowsUpserted: records.length, rowsRejected: rejected.length };
}

export interface UsageToStore {
  runId: string;
  request: DateRange;
  /** Validated records, one per (email, date). */
  records: readonly UsageRecord[];
  rejected: readonly RejectedRecord[];
  yesterday: IsoDate;
  /** A cache of developer ids shared by the requests of one cycle. */
  developerIds?: Map<string, string>;
  /** False for an operator's backfill, which never moves the watermark. Default true. */
  advanceWatermark?: boolean;
  /**
   * Compare every row with the stored one, also on days whose digest
   * matches. The operator's backfill sets it. Default false.
   */
  compareEveryRow?: boolean;
}

/**
 * Stores one request's validated records, its rejected records and the new
 * watermark in one transaction. A day whose rows hash to the digest stored
 * for it is skipped; the other days are compared row by row and their
 * digests replaced. This is the write stage that the benchmark measures on
 * its own.
 */
export async function storeUsage(
  deps: { sql: Sql; logger: Logger; clock: Clock },
  input: UsageToStore,
): Promise<{ emails: Set<string>; rowsChanged: number }> {
  const { sql, logger } = deps;
  const { records, rejected } = input;
  logRejections(logger, input);
  const byDeveloper = groupByEmail(records);
  const emails = [...byDeveloper.keys()];
  const total = emails.length;
  let rowsChanged = 0;

  const developerIds = await sql.begin(async (transaction) => {
    await keepDigestsForThisTransaction(transaction);
    const ids = await resolveDeveloperIds(transaction, emails, input.developerIds, deps.clock.now());
    await storeRejectedRecords(transaction, input.runId, rejected);

    // Rows are formatted once, hashed per day, and written only for days
    // whose digest differs from the stored one.
    const batches = formatBatches(records, byDeveloper, ids);
    const storedDigests = input.compareEveryRow
      ? new Map<IsoDate, DayDigest>()
      : await readDayDigests(transaction, input.request.start, input.request.end);
    const changedDigests = new Map<IsoDate, DayDigest>();
    for (const [day, digest] of digestDays(batches)) {
      const stored = storedDigests.get(day);
      if (stored?.digest !== digest.digest || stored.rowCount !== digest.rowCount) {
        changedDigests.set(day, digest);
      }
    }

    // Each batch contains whole developers, so progress counts developers done.
    let written = 0;
    for (const batch of batches) {
      rowsChanged += await copyDailyStats(transaction, rowsOfDays(batch, changedDigests));
      written += batch.developerIds.length;
      logger.info(`Synced ${written}/${total} developers`, {
        synced: written,
        total,
        requestStart: input.request.start,
        requestEnd: input.request.end,
        rows: batch.rowCount,
      });
    }
    await storeDayDigests(transaction, changedDigests);

    if (input.advanceWatermark ?? true) {
      await advanceWatermark(transaction, input.request.end, input.yesterday);
    }
    return ids;
  });

  // Only ids of a committed transaction may be reused by later requests.
  for (const [email, id] of developerIds) {
    input.developerIds?.set(email, id);
  }

  return { emails: new Set(emails), rowsChanged };
}

function developerIdOf(email: string, ids: ReadonlyMap<string, string>): string {
  const id = ids.get(email);
  if (id === undefined) {
    throw new Error(`No developer row for ${email}; unknown developers must be inserted before their usage is written.`);
  }
  return id;
}

/** One batch's rows as COPY text, by day. */
interface FormattedBatch {
  developerIds: string[];
  rowCount: number;
  days: Map<IsoDate, { chunks: Buffer[]; rowCount: number }>;
}

/**
 * Formats the records as COPY text in batches of whole developers of at most
 * WRITE_BATCH_ROWS rows, and within a batch by day, so that a day can be
 * hashed and written or skipped without touching the other days' rows.
 */
function formatBatches(
  records: readonly UsageRecord[],
  byDeveloper: ReadonlyMap<string, number[]>,
  ids: ReadonlyMap<string, string>,
): FormattedBatch[] {
  const batches: FormattedBatch[] = [];
  for (const emails of batchByDeveloper(byDeveloper, WRITE_BATCH_ROWS)) {
    const writers = new Map<IsoDate, CopyTextWriter>();
    const developerIds: string[] = [];
    let rowCount = 0;
    for (const email of emails) {
      const developerId = developerIdOf(email, ids);
      developerIds.push(developerId);
      for (const index of byDeveloper.get(email)!) {
        const record = records[index]!;
        let writer = writers.get(record.date);
        if (writer === undefined) {
          writer = new CopyTextWriter();
          writers.set(record.date, writer);
        }
        writer.writeRow(record, developerId);
        rowCount++;
      }
    }
    const days = new Map<IsoDate, { chunks: Buffer[]; rowCount: number }>();
    for (const [day, writer] of writers) {
      const dayRows = writer.rows;
      days.set(day, { chunks: writer.finish(), rowCount: dayRows });
    }
    batches.push({ developerIds, rowCount, days });
  }
  return batches;
}

/**
 * Computes each day's digest over its rows' COPY text, batch after batch.
 * The same response gives the same digests; one in another order only costs
 * a comparison of every row of its days.
 */
function digestDays(batches: readonly FormattedBatch[]): Map<IsoDate, DayDigest> {
  const hashes = new Map<IsoDate, { hash: Hash; rowCount: number }>();
  for (const batch of batches) {
    for (const [day, rows] of batch.days) {
      let digest = hashes.get(day);
      if (digest === undefined) {
        digest = { hash: createHash('sha256'), rowCount: 0 };
        hashes.set(day, digest);
      }
      for (const chunk of rows.chunks) {
        digest.hash.update(chunk);
      }
      digest.rowCount += rows.rowCount;
    }
  }
  const digests = new Map<IsoDate, DayDigest>();
  for (const [day, digest] of hashes) {
    digests.set(day, { rowCount: digest.rowCount, digest: digest.hash.digest('hex') });
  }
  return digests;
}

/** Collects the rows of a batch on the given days. */
function rowsOfDays(batch: FormattedBatch, days: ReadonlyMap<IsoDate, unknown>): CopyTextRows {
  const chunks: Buffer[] = [];
  let rowCount = 0;
  let firstDay: IsoDate | undefined;
  let lastDay: IsoDate | undefined;
  for (const [day, rows] of batch.days) {
    if (!days.has(day)) {
      continue;
    }
    chunks.push(...rows.chunks);
    rowCount += rows.rowCount;
    firstDay = firstDay === undefined || day < firstDay ? day : firstDay;
    lastDay = lastDay === undefined || day > lastDay ? day : lastDay;
  }
  return { chunks, rowCount, developerIds: batch.developerIds, firstDay: firstDay ?? '', lastDay: lastDay ?? '' };
}

/**
 * Returns the id of every email, creating a non-member developer row for
 * emails never seen. Emails found in `known` are not looked up again.
 */
async function resolveDeveloperIds(
  transaction: TransactionSql,
  emails: readonly string[],
  known: ReadonlyMap<string, string> | undefined,
  now: Date,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const unknown: string[] = [];
  for (const email of emails) {
    const id = known?.get(email);
    if (id === undefined) {
      unknown.push(email);
    } else {
      ids.set(email, id);
    }
  }
  if (unknown.length > 0) {
    await insertUnknownDevelopers(transaction, unknown, now);
    for (const [email, id] of await readDeveloperIds(transaction, unknown)) {
      ids.set(email, id);
    }
  }
  return ids;
}

/** Groups the records' indexes by email, in the order the emails first appear. */
function groupByEmail(records: readonly UsageRecord[]): Map<string, number[]> {
  const byDeveloper = new Map<string, number[]>();
  for (const [index, record] of records.entries()) {
    const indexes = byDeveloper.get(record.email);
    if (indexes === undefined) {
      byDeveloper.set(record.email, [index]);
    } else {
      indexes.push(index);
    }
  }
  return byDeveloper;
}

/** Cuts the developers into batches of at most `maxRows` rows, each developer whole. */
function* batchByDeveloper(byDeveloper: ReadonlyMap<string, number[]>, maxRows: number): Generator<string[]> {
  let emails: string[] = [];
  let rows = 0;
  for (const [email, indexes] of byDeveloper) {
    if (rows > 0 && rows + indexes.length > maxRows) {
      yield emails;
      emails = [];
      rows = 0;
    }
    emails.push(email);
    rows += indexes.length;
  }
  // An empty response still yields one batch, so progress is logged as 0/0.
  yield emails;
}

function logRejections(logger: Logger, input: UsageToStore): void {
  if (input.rejected.length === 0) {
    return;
  }
  const reasons: Record<string, number> = {};
  for (const record of input.rejected) {
    reasons[record.reason] = (reasons[record.reason] ?? 0) + 1;
  }
  logger.warn('Rejected upstream records', {
    runId: input.runId,
    rejected: input.rejected.length,
    reasons,
    requestStart: input.request.start,
    requestEnd: input.request.end,
  });
}
