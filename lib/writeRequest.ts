import type { Logger } from '@aws-lambda-powertools/logger';
import type { Sql, TransactionSql } from './db';
import { copyDailyStats } from './sql/copyDailyStats';
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
  logRejections(deps.logger, input, rejected);

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
}

/**
 * Stores one request's validated records, its rejected records and the new
 * watermark in one transaction. This is the write stage that the benchmark
 * measures on its own.
 */
export async function storeUsage(
  deps: { sql: Sql; logger: Logger; clock: Clock },
  input: UsageToStore,
): Promise<{ emails: Set<string>; rowsChanged: number }> {
  const { sql, logger } = deps;
  const { records, rejected } = input;
  const byDeveloper = groupByEmail(records);
  const emails = [...byDeveloper.keys()];
  const total = emails.length;
  let rowsChanged = 0;

  const developerIds = await sql.begin(async (transaction) => {
    const ids = await resolveDeveloperIds(transaction, emails, input.developerIds, deps.clock.now());
    await storeRejectedRecords(transaction, input.runId, rejected);

    // Each batch contains whole developers, so progress counts developers done.
    let written = 0;
    for (const batch of batchByDeveloper(byDeveloper, WRITE_BATCH_ROWS)) {
      rowsChanged += await copyDailyStats(transaction, batch.records, ids);
      written += batch.developers;
      logger.info(`Synced ${written}/${total} developers`, {
        synced: written,
        total,
        requestStart: input.request.start,
        requestEnd: input.request.end,
        rows: batch.records.length,
      });
    }

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

function groupByEmail(records: readonly UsageRecord[]): Map<string, UsageRecord[]> {
  const byDeveloper = new Map<string, UsageRecord[]>();
  for (const record of records) {
    const list = byDeveloper.get(record.email);
    if (list === undefined) {
      byDeveloper.set(record.email, [record]);
    } else {
      list.push(record);
    }
  }
  return byDeveloper;
}

function* batchByDeveloper(
  byDeveloper: Map<string, UsageRecord[]>,
  maxRows: number,
): Generator<{ records: UsageRecord[]; developers: number }> {
  let records: UsageRecord[] = [];
  let developers = 0;
  for (const list of byDeveloper.values()) {
    if (records.length > 0 && records.length + list.length > maxRows) {
      yield { records, developers };
      records = [];
      developers = 0;
    }
    records.push(...list);
    developers++;
  }
  // An empty response still yields one batch, so progress is logged as 0/0.
  yield { records, developers };
}

function logRejections(logger: Logger, input: RequestToWrite, rejected: readonly RejectedRecord[]): void {
  if (rejected.length === 0) {
    return;
  }
  const reasons: Record<string, number> = {};
  for (const record of rejected) {
    reasons[record.reason] = (reasons[record.reason] ?? 0) + 1;
  }
  logger.warn('Rejected upstream records', {
    runId: input.runId,
    rejected: rejected.length,
    reasons,
    requestStart: input.request.start,
    requestEnd: input.request.end,
  });
}
