import type { Logger } from '@aws-lambda-powertools/logger';
import type { Sql } from './db';
import { copyDailyStats } from './sql/copyDailyStats';
import { advanceWatermark, insertUnknownDevelopers, readDeveloperIds, storeRejectedRecords } from './sql/writeUsage';
import type { Clock, IsoDate } from './time';
import { validateRecords, type RejectedRecord, type UsageRecord } from './usageRecord';
import type { DateRange } from './window';

/** Rows per upsert statement: large enough to amortize a round trip, small enough to bound memory. */
export const WRITE_BATCH_ROWS = 25_000;

export interface RequestToWrite {
  runId: string;
  request: DateRange;
  records: readonly unknown[];
  yesterday: IsoDate;
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
  const { records, rejected } = validateRecords(input.records);
  logRejections(deps.logger, input, rejected);

  const stored = await storeUsage(deps, { runId: input.runId, request: input.request, records, rejected, yesterday: input.yesterday });
  return { ...stored, rowsUpserted: records.length, rowsRejected: rejected.length };
}

export interface UsageToStore {
  runId: string;
  request: DateRange;
  /** Validated records, one per (email, date). */
  records: readonly UsageRecord[];
  rejected: readonly RejectedRecord[];
  yesterday: IsoDate;
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

  await sql.begin(async (transaction) => {
    await insertUnknownDevelopers(transaction, emails, deps.clock.now());
    const developerIds = await readDeveloperIds(transaction, emails);
    await storeRejectedRecords(transaction, input.runId, rejected);

    // Each batch contains whole developers, so progress counts developers done.
    let written = 0;
    for (const batch of batchByDeveloper(byDeveloper, WRITE_BATCH_ROWS)) {
      rowsChanged += await copyDailyStats(transaction, batch.records, developerIds);
      written += batch.developers;
      logger.info(`Synced ${written}/${total} developers`, {
        synced: written,
        total,
        requestStart: input.request.start,
        requestEnd: input.request.end,
        rows: batch.records.length,
      });
    }

    await advanceWatermark(transaction, input.request.end, input.yesterday);
  });

  return { emails: new Set(emails), rowsChanged };
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
