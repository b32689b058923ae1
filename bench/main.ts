/**
 * `npm run bench`: measures the sync's ingest against PostgreSQL's own limit
 * (COPY) on the same rows in the same run, at each team size, and prints the
 * figures, the ratios and one TARGET line per target, last. BENCHMARKS.md
 * describes every measurement.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildFunctionBundles, type FunctionBundle, type FunctionName } from './bundleSize';
import { formatCodeVersion, readCodeVersion } from './codeVersion';
import { measureCopyLimit } from './copyLimit';
import { createMigratedDatabase, startBenchServer } from './database';
import { buildDataset, type Dataset } from './dataset';
import { prepareSecondFullSync, runFullSync } from './fullSync';
import { describeMachine } from './machine';
import { measureNaiveInsert } from './naiveInsert';
import { BenchUsageError, HISTORY_DAYS, MAX_NAIVE_DEVELOPERS, parseBenchOptions, USAGE, type BenchOptions } from './options';
import { formatBundleSizes, formatLoadAverage, formatMachine, formatSize, writeResults } from './report';
import { describeError, exitAfterCleanupOnFatal, isExiting, registerCleanup } from './shutdown';
import { startSimulatorProcess } from './simulatorProcess';
import { summarizeSize, type SizeRuns, type SizeSummary } from './summary';
import { evaluateTargets, formatTarget } from './targets';
import { elapsedMsSince, startTimer } from './timing';
import { measureWriteStage } from './writeStage';

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const startedAt = new Date();
  const started = startTimer();
  // The simulator's clock: today at 12:00 UTC, the same for every read in this run.
  const simulatorNow = new Date(`${startedAt.toISOString().slice(0, 10)}T12:00:00Z`);

  exitAfterCleanupOnFatal();
  const server = await startBenchServer(process.env.BENCH_DATABASE_URL);
  const stopServer = registerCleanup(() => server.stop());
  let removeBundles: (() => Promise<void>) | undefined;
  try {
    const machine = await describeMachine(server.url, server.description);
    const codeVersion = readCodeVersion();
    printLines([...formatMachine(machine), formatCodeVersion(codeVersion)]);
    printLines([`Runs per measurement: ${options.runs}; simulator clock ${simulatorNow.toISOString()}`]);

    const bundleDirectory = await mkdtemp(path.join(os.tmpdir(), 'aggregator-bundle-'));
    removeBundles = registerCleanup(() => rm(bundleDirectory, { recursive: true, force: true }));
    const bundles = await buildFunctionBundles(bundleDirectory);
    const bundleBytes = bytesOf(bundles);
    printLines(formatBundleSizes(bundleBytes));

    const sizes: { runs: SizeRuns; summary: SizeSummary }[] = [];
    for (const developers of options.sizes) {
      const runs = await measureSize(server.url, developers, options.runs, simulatorNow, bundles.sync.file);
      const summary = summarizeSize(runs);
      sizes.push({ runs, summary });
      printLines(formatSize(summary, options.runs));
    }

    const targets = evaluateTargets(
      sizes.map((size) => size.summary),
      bundleBytes,
    );
    const durationMs = elapsedMsSince(started);
    const loadAverageAtEnd = os.loadavg();
    const file = await writeResults(startedAt, {
      startedAt: startedAt.toISOString(),
      durationMs,
      options,
      machine,
      loadAverageAtEnd,
      codeVersion,
      simulatorNow: simulatorNow.toISOString(),
      bundleBytes,
      sizes,
      targets,
    });

    printLines([
      '',
      `Load average at end: ${formatLoadAverage(loadAverageAtEnd)}`,
      `Total duration: ${(durationMs / 1000).toFixed(1)} s`,
      `Results: ${file}`,
    ]);
    printLines(targets.map(formatTarget));
    return 0;
  } finally {
    await removeBundles?.();
    await stopServer();
  }
}

/** Runs every measurement at one size, `runs` times, each against its own fresh database. */
async function measureSize(
  serverUrl: string,
  developers: number,
  runs: number,
  simulatorNow: Date,
  syncBundle: string,
): Promise<SizeRuns> {
  const label = `${developers} × ${HISTORY_DAYS}`;
  const buildStarted = startTimer();
  const dataset = buildDataset(developers, HISTORY_DAYS, simulatorNow);
  const datasetBuildMs = elapsedMsSince(buildStarted);
  progress(`${label}: generated and validated ${dataset.rows} rows in ${dataset.requests.length} requests (${(datasetBuildMs / 1000).toFixed(1)} s)`);

  const results: SizeRuns = {
    developers,
    days: HISTORY_DAYS,
    rows: dataset.rows,
    requests: dataset.requests.length,
    datasetBuildMs,
    copy: [],
    naive: [],
    write: [],
    fullSync: [],
    noChangeSync: [],
  };

  const simulator = await startSimulatorProcess({ developers, historyDays: HISTORY_DAYS, now: simulatorNow });
  try {
    // The measurements alternate within each run, so a slow phase of the
    // machine affects all of them rather than one.
    for (let run = 1; run <= runs; run++) {
      const step = `${label} run ${run}/${runs}`;
      const copy = await reportFailure(`${step}: a. COPY`, () => measureCopyLimit(serverUrl, dataset));
      results.copy.push(copy);
      progress(`${step}: a. COPY ${seconds(copy.durationMs)}, with the foreign key ${seconds(copy.withForeignKeyMs)}`);

      if (developers <= MAX_NAIVE_DEVELOPERS) {
        const naive = await reportFailure(`${step}: b. naive`, () => measureNaiveInsert(serverUrl, dataset));
        results.naive.push(naive);
        progress(`${step}: b. naive ${seconds(naive.durationMs)}`);
      }

      const write = await reportFailure(`${step}: c. write stage`, () => measureWriteStage(serverUrl, dataset));
      results.write.push(write);
      progress(
        `${label} run ${run}/${runs}: c. write ${seconds(write.firstLoad.durationMs)}, changed ${seconds(write.changedUpsert.durationMs)}, ` +
          `e. unchanged ${seconds(write.noChange.durationMs)}, without digests ${seconds(write.noChangeWithoutDigests.durationMs)}`,
      );

      await reportFailure(`${step}: d. full sync`, async () => {
        try {
          await measureFullSyncs(serverUrl, dataset, { cursorApiUrl: simulator.url, syncBundle }, results);
        } catch (error) {
          const simulatorExit = simulator.exitDescription();
          if (simulatorExit === undefined) {
            throw error;
          }
          throw new Error(`${(error as Error).message}\n${simulatorExit}`, { cause: error });
        }
      });
      progress(
        `${label} run ${run}/${runs}: d. full sync ${seconds(results.fullSync.at(-1)!.durationMs)}, ` +
          `e. unchanged ${seconds(results.noChangeSync.at(-1)!.durationMs)}`,
      );
    }
  } finally {
    await simulator.stop();
  }
  return results;
}

/**
 * Runs the full sync into a fresh database, then again over the same rows
 * after resetting the watermark and, as for the write stage, an ANALYZE.
 */
async function measureFullSyncs(
  serverUrl: string,
  dataset: Dataset,
  sync: { cursorApiUrl: string; syncBundle: string },
  results: SizeRuns,
): Promise<void> {
  const database = await createMigratedDatabase(serverUrl, 'sync');
  try {
    const syncOptions = { databaseUrl: database.url, syncStartDate: dataset.firstDay, ...sync };
    results.fullSync.push(await runFullSync(syncOptions));
    await prepareSecondFullSync(database.url);
    results.noChangeSync.push(await runFullSync(syncOptions));
  } finally {
    await database.drop();
  }
}

function bytesOf(bundles: Record<FunctionName, FunctionBundle>): Record<FunctionName, number> {
  return { sync: bundles.sync.bytes, health: bundles.health.bytes };
}

/** Runs one measurement and names it in one line when it fails; main() prints the stack. */
async function reportFailure<T>(step: string, measure: () => Promise<T>): Promise<T> {
  try {
    return await measure();
  } catch (error) {
    if (!isExiting()) {
      progress(`${step} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    throw error;
  }
}

function printLines(lines: readonly string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

try {
  process.exitCode = await main();
} catch (error) {
  if (!isExiting()) {
    process.stderr.write(`Benchmark failed: ${describeError(error)}\n`);
    process.exitCode = 1;
  }
}
