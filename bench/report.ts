import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FunctionName } from './bundleSize';
import type { MachineDescription } from './machine';
import type { FullSyncThroughput, SizeSummary, Throughput } from './summary';

const RESULTS_DIRECTORY = path.resolve(import.meta.dirname, 'results');
const MIB = 1024 * 1024;

export function formatMachine(machine: MachineDescription): string[] {
  return [
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB memory, ${machine.os}`,
    `Node.js ${machine.node}`,
    `PostgreSQL: ${machine.postgresql}`,
    `Database server: ${machine.database}`,
    `Load average at start: ${formatLoadAverage(machine.loadAverage)}`,
  ];
}

export function formatBundleSizes(bundleBytes: Record<FunctionName, number>): string[] {
  return Object.entries(bundleBytes).map(
    ([name, bytes]) => `Bundle functions/${name}.cjs: ${bytes} bytes (${(bytes / MIB).toFixed(2)} MiB)`,
  );
}

/** Formats the figures of one size: one line per measurement, then the ratios. */
export function formatSize(summary: SizeSummary, runs: number): string[] {
  const lines = [
    '',
    `== ${summary.developers} developers × ${summary.days} days: ${summary.rows} rows, median of ${runs} runs ==`,
    formatThroughput('a. COPY into an empty copy of daily_stats', summary.copy),
    formatThroughput('   the same with the foreign key to developers', summary.copyWithForeignKey),
    summary.naive === null
      ? 'b. naive INSERT per row, autocommit:             not run at this size'
      : formatThroughput('b. naive INSERT per row, autocommit', summary.naive),
    formatThroughput('c. write stage, first load', summary.writeFirstLoad),
    formatThroughput('c. write stage, every row changed', summary.writeChanged),
    formatThroughput('e. write stage, nothing changed', summary.writeNoChange),
    formatThroughput('   the same, day digests deleted first', summary.writeNoChangeWithoutDigests),
    formatFullSync('d. full sync (bundled handler), first', summary.fullSync),
    formatFullSync('e. full sync, nothing changed', summary.noChangeSync),
    `c/a (write stage over COPY, rows/s):         ${summary.writeToCopyRatio.toFixed(2)}`,
    `d/a (full sync over COPY, rows/s):           ${summary.fullSyncToCopyRatio.toFixed(2)}`,
    `no-change write time / first-load time:      ${summary.noChangeToFirstLoadTime.toFixed(2)}`,
    `d/b (full sync over naive, rows/s):          ${summary.speedupVsNaive === null ? 'not measured' : `${summary.speedupVsNaive.toFixed(1)}×`}`,
    `dead tuples after the no-change write:       ${summary.noChangeDeadTuples}`,
    `peak RSS of the full sync process:           ${formatKb(summary.fullSyncPeakRssKb)} (no-change run ${formatKb(summary.noChangeSyncPeakRssKb)})`,
  ];
  for (const warning of summary.warnings) {
    lines.push(`WARNING: ${warning}`);
  }
  return lines;
}

/** Writes the run's figures to bench/results/<start time>.json and returns the file's path. */
export async function writeResults(startedAt: Date, results: unknown): Promise<string> {
  await mkdir(RESULTS_DIRECTORY, { recursive: true });
  const file = path.join(RESULTS_DIRECTORY, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

export function formatLoadAverage(loadAverage: readonly number[]): string {
  return loadAverage.map((load) => load.toFixed(2)).join(' ');
}

function formatThroughput(label: string, throughput: Throughput): string {
  const rate = Math.round(throughput.rowsPerSecond).toLocaleString('en-US');
  return `${`${label}:`.padEnd(45)}${formatMs(throughput.medianMs).padStart(9)}  ${rate.padStart(10)} rows/s`;
}

function formatFullSync(label: string, throughput: FullSyncThroughput): string {
  return (
    `${formatThroughput(label, throughput)}; cycle ${formatMs(throughput.medianCycleMs)}, ` +
    `process ${formatMs(throughput.medianProcessMs)} (bundle load ${formatMs(throughput.medianLoadMs)})`
  );
}

function formatMs(ms: number | null): string {
  return ms === null ? 'unknown' : `${(ms / 1000).toFixed(2)} s`;
}

function formatKb(kilobytes: number): string {
  return `${((kilobytes * 1024) / MIB).toFixed(1)} MiB`;
}
