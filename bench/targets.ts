import type { FunctionName } from './bundleSize';
import type { SizeSummary } from './summary';

/** The size at which the ratio, time and memory targets are judged. */
export const TARGET_DEVELOPERS = 10_000;
/** The size at which the sync is compared with the naive baseline. */
export const SPEEDUP_DEVELOPERS = 1_000;

const MIB = 1024 * 1024;
const KIB = 1024;
const MAX_PEAK_RSS_BYTES = 256 * MIB;
const MAX_BUNDLE_BYTES = 1 * MIB;

export interface TargetResult {
  name: string;
  /** The measured figure as printed, or `unmeasured` when its size was not run. */
  measured: string;
  goal: string;
  ok: boolean;
}

/** Judges every target on the figures of this run. A target whose size was not run is `short`. */
export function evaluateTargets(summaries: readonly SizeSummary[], bundleBytes: Record<FunctionName, number>): TargetResult[] {
  const large = summaries.find((summary) => summary.developers === TARGET_DEVELOPERS);
  const medium = summaries.find((summary) => summary.developers === SPEEDUP_DEVELOPERS);
  const largestBundle = Math.max(...Object.values(bundleBytes));

  return [
    atLeast('copyRatio', large?.writeToCopyRatio, 0.5, 2),
    atLeast('endToEndRatio', large?.fullSyncToCopyRatio, 0.25, 2),
    atMost('noChangeWrite', large?.noChangeToFirstLoadTime, 0.3, 2),
    {
      name: 'deadTuples',
      measured: large === undefined ? 'unmeasured' : String(large.noChangeDeadTuples),
      goal: '=0',
      ok: large !== undefined && large.noChangeDeadTuples === 0,
    },
    atLeast('speedupVsNaive', medium?.speedupVsNaive ?? undefined, 20, 1),
    {
      name: 'peakRss',
      measured: large === undefined ? 'unmeasured' : `${((large.fullSyncPeakRssKb * KIB) / MIB).toFixed(1)}MiB`,
      goal: `<=${MAX_PEAK_RSS_BYTES / MIB}MiB`,
      ok: large !== undefined && large.fullSyncPeakRssKb * KIB <= MAX_PEAK_RSS_BYTES,
    },
    {
      name: 'bundleSize',
      measured: `${(largestBundle / MIB).toFixed(2)}MiB`,
      goal: `<=${MAX_BUNDLE_BYTES / MIB}MiB`,
      ok: largestBundle <= MAX_BUNDLE_BYTES,
    },
  ];
}

export function formatTarget(target: TargetResult): string {
  return `TARGET ${target.name} ${target.measured} ${target.goal} ${target.ok ? 'ok' : 'short'}`;
}

function atLeast(name: string, measured: number | undefined, goal: number, digits: number): TargetResult {
  return {
    name,
    measured: measured === undefined ? 'unmeasured' : measured.toFixed(digits),
    goal: `>=${goal}`,
    ok: measured !== undefined && measured >= goal,
  };
}

function atMost(name: string, measured: number | undefined, goal: number, digits: number): TargetResult {
  return {
    name,
    measured: measured === undefined ? 'unmeasured' : measured.toFixed(digits),
    goal: `<=${goal}`,
    ok: measured !== undefined && measured <= goal,
  };
}
