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
  naive: Throughput | null;
  writeFirstLoad: Throughput;
  writeChanged: Throughput;
  writeNoChange: Throughput;
  fullSync: Throughput & { medianCycleMs: number | null };
  noChangeSync: Throughput & { medianCycleMs: number | null };
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

export function summarizeSize(runs: SizeRuns): SizeSummary {
  const throughput = (durations: number[]): Throughput => {
    const medianMs = median(durations);
    return { medianMs, rowsPerSecond: rowsPerSecond(runs.rows, medianMs) };
  };
  const copy = throughput(runs.copy.map((run) => run.durationMs));
  const naive = runs.naive.length > 0 ? throughput(runs.naive.map((run) => run.durationMs)) : null;
  const writeFirstLoad = throughput(runs.write.map((run) => run.firstLoad.durationMs));
  const fullSync = throughput(runs.fullSync.map((run) => run.durationMs));

  return {
    developers: runs.developers,
    days: runs.days,
    rows: runs.rows,
    copy,
    naive,
    writeFirstLoad,
    writeChanged: throughput(runs.write.map((run) => run.changedUpsert.durationMs)),
    writeNoChange: throughput(runs.write.map((run) => run.noChange.durationMs)),
    fullSync: { ...fullSync, medianCycleMs: medianOrNull(runs.fullSync.map((run) => run.cycleDurationMs)) },
    noChangeSync: {
      ...throughput(runs.noChangeSync.map((run) => run.durationMs)),
      medianCycleMs: medianOrNull(runs.noChangeSync.map((run) => run.cycleDurationMs)),
    },
    writeToCopyRatio: writeFirstLoad.rowsPerSecond / copy.rowsPerSecond,
    fullSyncToCopyRatio: fullSync.rowsPerSecond / copy.rowsPerSecond,
    noChangeToFirstLoadTime: median(runs.write.map((run) => run.noChange.durationMs)) / writeFirstLoad.medianMs,
    speedupVsNaive: naive === null ? null : fullSync.rowsPerSecond / naive.rowsPerSecond,
    noChangeDeadTuples: Math.max(...runs.write.map((run) => run.noChangeDeadTuples)),
    fullSyncPeakRssKb: Math.max(...runs.fullSync.map((run) => run.peakRssKb)),
    noChangeSyncPeakRssKb: Math.max(...runs.noChangeSync.map((run) => run.peakRssKb)),
    warnings: findWarnings(runs),
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
    if (run.noChange.rowsChanged !== 0) {
      warnings.push(`write stage run ${index + 1} changed ${run.noChange.rowsChanged} rows when nothing had changed.`);
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
