import type { CopyLimitResult } from './copyLimit';
import type { FullSyncResult } from './fullSync';
import type { NaiveInsertResult } from './naiveInsert';
import { median, rowsPerSecond } from './timing';
import type { WriteStageResult } from './writeStage';

/** Every run's figures at one size. */
export interface SizeRuns {
  developers: number;
  days: number;
  rows: number;
  requests: number;
  datasetBuildMs: number;
  copy: CopyLimitResult[];
  /** Empty where the naive baseline is not run. */
  naive: NaiveInsertResult[];
  write: WriteStageResult[];
  fullSync: FullSyncResult[];
  noChangeSync: FullSyncResult[];
}

export interface Throughput {
  medianMs: number;
  rowsPerSecond: number;
}

/** The medians of one size and the ratios between them, all from the same run. */
export interface SizeSummary {
  developers: number;
  days: number;
  rows: number;
  copy: Throughput;
  /** The COPY into a table with the foreign key to developers; for comparison only. */
  copyWithForeignKey: Throughput;
  naive: Throughput | null;
  writeFirstLoad: Throughput;
  writeChanged: Throughput;
  writeNoChange: Throughput;
  /** The no-change write again after the day digests were deleted, so every row is compared. */
  writeNoChangeWithoutDigests: Throughput;
  fullSync: FullSyncThroughput;
  noChangeSync: FullSyncThroughput;
  /** c / a: the write stage's first load against COPY, in rows per second. */
  writeToCopyRatio: number;
  /** d / a: the whole full sync against COPY, in rows per second. */
  fullSyncToCopyRatio: number;
  /** The no-change write's median time over the first load's median time. */
  noChangeToFirstLoadTime: number;
  /** d / b in rows per second, or null without the naive baseline. */
  speedupVsNaive: number | null;
  /** The largest count of any run. */
  noChangeDeadTuples: number;
  /** The largest peak resident memory of the full sync process over its runs (not the no-change ones). */
  fullSyncPeakRssKb: number;
  noChangeSyncPeakRssKb: number;
  /** Problems seen in the runs, such as row counts that differ from the dataset. */
  warnings: string[];
}

/** The handler's median duration, with the medians of the cycle, the bundle's load and the whole process beside it. */
export interface FullSyncThroughput extends Throughput {
  medianCycleMs: number | null;
  medianLoadMs: number;
  medianProcessMs: number;
}

export function summarizeSize(runs: SizeRuns): SizeSummary {
  const throughput = (durations: number[]): Throughput => {
    const medianMs = median(durations);
    return { medianMs, rowsPerSecond: rowsPerSecond(runs.rows, medianMs) };
  };
  const copy = throughput(runs.copy.map((run) => run.durationMs));
  const naive = runs.naive.length > 0 ? throughput(runs.naive.map((run) => run.durationMs)) : null;
  const writeFirstLoad = throughput(runs.write.map((run) => run.firstLoad.durationMs));
  const fullSync = fullSyncThroughput(runs.rows, runs.fullSync);

  return {
    developers: runs.developers,
    days: runs.days,
    rows: runs.rows,
    copy,
    copyWithForeignKey: throughput(runs.copy.map((run) => run.withForeignKeyMs)),
    naive,
    writeFirstLoad,
    writeChanged: throughput(runs.write.map((run) => run.changedUpsert.durationMs)),
    writeNoChange: throughput(runs.write.map((run) => run.noChange.durationMs)),
    writeNoChangeWithoutDigests: throughput(runs.write.map((run) => run.noChangeWithoutDigests.durationMs)),
    fullSync,
    noChangeSync: fullSyncThroughput(runs.rows, runs.noChangeSync),
    writeToCopyRatio: writeFirstLoad.rowsPerSecond / copy.rowsPerSecond,
    fullSyncToCopyRatio: fullSync.rowsPerSecond / copy.rowsPerSecond,
    noChangeToFirstLoadTime: median(runs.write.map((run) => run.noChange.durationMs)) / writeFirstLoad.medianMs,
    speedupVsNaive: naive === null ? null : fullSync.rowsPerSecond / naive.rowsPerSecond,
    noChangeDeadTuples: Math.max(...runs.write.map((run) => Math.max(run.noChangeDeadTuples, run.noChangeWithoutDigestsDeadTuples))),
    fullSyncPeakRssKb: Math.max(...runs.fullSync.map((run) => run.peakRssKb)),
    noChangeSyncPeakRssKb: Math.max(...runs.noChangeSync.map((run) => run.peakRssKb)),
    warnings: findWarnings(runs),
  };
}

function fullSyncThroughput(rows: number, results: readonly FullSyncResult[]): FullSyncThroughput {
  const medianMs = median(results.map((run) => run.durationMs));
  return {
    medianMs,
    rowsPerSecond: rowsPerSecond(rows, medianMs),
    medianCycleMs: medianOrNull(results.map((run) => run.cycleDurationMs)),
    medianLoadMs: median(results.map((run) => run.loadMs)),
    medianProcessMs: median(results.map((run) => run.processMs)),
  };
}

function medianOrNull(values: (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === values.length ? median(known) : null;
}

/** Checks that every measurement stored exactly the dataset's rows and changed what it had to. */
function findWarnings(runs: SizeRuns): string[] {
  const warnings: string[] = [];
  const expectRows = (label: string, stored: number): void => {
    if (stored !== runs.rows) {
      warnings.push(`${label} stored ${stored} rows, expected ${runs.rows}.`);
    }
  };

  runs.copy.forEach((run, index) => expectRows(`COPY run ${index + 1}`, run.rows));
  runs.naive.forEach((run, index) => expectRows(`naive run ${index + 1}`, run.rows));
  runs.write.forEach((run, index) => {
    expectRows(`write stage run ${index + 1}`, run.rows);
    if (run.firstLoad.rowsChanged !== runs.rows || run.changedUpsert.rowsChanged !== runs.rows) {
      warnings.push(
        `write stage run ${index + 1} changed ${run.firstLoad.rowsChanged} rows on first load and ${run.changedUpsert.rowsChanged} on the re-upsert, expected ${runs.rows} each.`,
      );
    }
    if (run.noChange.rowsChanged !== 0 || run.noChangeWithoutDigests.rowsChanged !== 0) {
      warnings.push(
        `write stage run ${index + 1} changed ${run.noChange.rowsChanged} rows, and ${run.noChangeWithoutDigests.rowsChanged} without digests, when nothing had changed.`,
      );
    }
    if (!run.statisticsFlushed) {
      warnings.push('PostgreSQL before 15 has no pg_stat_force_next_flush(), so dead tuples were read after a wait and may lag.');
    }
  });
  runs.fullSync.forEach((run, index) => expectRows(`full sync run ${index + 1}`, run.rowsStored));
  runs.noChangeSync.forEach((run, index) => {
    expectRows(`no-change full sync run ${index + 1}`, run.rowsStored);
    if (run.rowsChanged !== null && run.rowsChanged !== 0) {
      warnings.push(`no-change full sync run ${index + 1} changed ${run.rowsChanged} rows.`);
    }
  });
  return [...new Set(warnings)];
}
