import type { BackfillResult } from './backfill';
import type { ResetResult } from './resetWatermark';
import type { RunReport } from './runs';
import type { StatusDetails, StatusReport } from './status';
import { formatTable, type TableColumn } from './textTable';

/** Maximum length of an error in a table cell; `--json` shows the whole text. */
const MAX_TABLE_ERROR_LENGTH = 60;

const RUN_COLUMNS: readonly TableColumn<RunReport>[] = [
  { header: 'STARTED (UTC)', value: (run) => formatTime(run.startedAt) },
  { header: 'RUN ID', value: (run) => run.runId },
  { header: 'TRIGGER', value: (run) => run.trigger },
  { header: 'OUTCOME', value: (run) => run.outcome },
  {
    header: 'WINDOW',
    value: (run) => (run.windowStart === null || run.windowEnd === null ? '-' : `${run.windowStart}..${run.windowEnd}`),
  },
  { header: 'DEVELOPERS', value: (run) => String(run.developers), alignRight: true },
  { header: 'UPSERTED', value: (run) => String(run.rowsUpserted), alignRight: true },
  { header: 'CHANGED', value: (run) => String(run.rowsChanged), alignRight: true },
  { header: 'REJECTED', value: (run) => String(run.rowsRejected), alignRight: true },
  { header: 'DURATION', value: formatDuration, alignRight: true },
  { header: 'ERROR', value: (run) => truncate(run.error ?? '', MAX_TABLE_ERROR_LENGTH) },
];

/** Formats runs as a table, newest first as given. */
export function formatRuns(runs: readonly RunReport[]): string {
  return runs.length === 0 ? 'No runs recorded yet.' : formatTable(RUN_COLUMNS, runs);
}

/** Formats the status as name-value lines followed by the table of the last runs. */
export function formatStatus(report: StatusReport, details: StatusDetails, now: Date): string {
  const lines: [string, string][] = [
    ['State', report.state],
    ['Watermark', report.watermark ?? 'none (no cycle has succeeded yet)'],
    ['Lag', report.lagDays === null ? '-' : `${report.lagDays} ${report.lagDays === 1 ? 'day' : 'days'} (today UTC minus the watermark)`],
    ['Consecutive failures', String(report.consecutiveFailures)],
    ['Next attempt', report.nextAttemptAt ?? '-'],
    ['Last success', report.lastSuccessAt ?? '-'],
    ['Last error', details.lastError ?? '-'],
    ['Lease', formatLease(details, now)],
  ];
  const nameWidth = Math.max(...lines.map(([name]) => name.length));
  const state = lines.map(([name, value]) => `${name.padEnd(nameWidth)}  ${value}`).join('\n');
  const runsTitle = `Last ${report.lastRuns.length} ${report.lastRuns.length === 1 ? 'run' : 'runs'}, newest first:`;
  return report.lastRuns.length === 0 ? `${state}\n\nNo runs recorded yet.` : `${state}\n\n${runsTitle}\n${formatRuns(report.lastRuns)}`;
}

/** Formats a finished backfill; the caller prints success on stdout and anything else on stderr. */
export function formatBackfill(result: BackfillResult): string {
  if (result.status === 'lease_held') {
    return `${describeLeaseHolder(result.leaseOwner, result.leaseExpiresAt)} The backfill changed nothing; retry after that run has finished.`;
  }

  const figures =
    `${result.requestsDone} of ${result.requests} ${result.requests === 1 ? 'request' : 'requests'} stored, ` +
    `${result.developers} developers, ${result.rowsUpserted} rows upserted, ${result.rowsChanged} changed, ` +
    `${result.rowsRejected} rejected`;
  if (result.status === 'success') {
    return `Backfilled ${result.from}..${result.to} in run ${result.runId}: ${figures}. The watermark was not moved.`;
  }

  const remaining = result.remaining ?? { start: result.from, end: result.to };
  const reason = result.status === 'failure' ? `failed: ${result.error ?? 'unknown error'}` : 'stopped before the deadline';
  return (
    `Backfill of ${result.from}..${result.to} in run ${result.runId} ${reason}. ${figures}. ` +
    `The days ${remaining.start}..${remaining.end} were not fetched again; ` +
    `run the backfill once more with --from ${remaining.start} --to ${remaining.end}.`
  );
}

/** Formats a reset; the caller prints it on stdout after a reset and on stderr when the lease is held. */
export function formatReset(result: ResetResult): string {
  if (result.status === 'lease_held') {
    return `${describeLeaseHolder(result.leaseOwner, result.leaseExpiresAt)} The watermark was not changed; retry after that run has finished.`;
  }
  return (
    `Watermark reset from ${result.previousWatermark} to ${result.watermark}: the next cycle fetches again every day after ` +
    `${result.watermark}. The time set for the next attempt after a failure was cleared.`
  );
}

function describeLeaseHolder(owner: string | null, expiresAt: Date | null): string {
  const until = expiresAt === null ? '' : ` until ${expiresAt.toISOString()}`;
  return `A sync or backfill is running: run ${owner ?? '(unknown)'} holds the sync lease${until}.`;
}

function formatLease(details: StatusDetails, now: Date): string {
  if (details.leaseOwner === null) {
    return 'free';
  }
  const expired = details.leaseExpiresAt !== null && Date.parse(details.leaseExpiresAt) <= now.getTime();
  return `held by run ${details.leaseOwner} until ${details.leaseExpiresAt ?? '(no expiry)'}${expired ? ' (expired)' : ''}`;
}

/** Drops the milliseconds: `2026-03-10T12:30:05Z`. */
function formatTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

function formatDuration(run: RunReport): string {
  if (run.finishedAt === null) {
    return '-';
  }
  const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  return `${seconds.toFixed(1)} s`;
}

function truncate(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
