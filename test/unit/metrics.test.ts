import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, test } from 'vitest';
import { CycleMetrics, METRICS_NAMESPACE } from '../../lib/metrics';
import type { CycleResult } from '../../lib/syncCycle';

interface EmfDocument {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** Publishes one cycle's metrics and returns the Embedded Metric Format documents written. */
function publish(result: CycleResult, now = new Date('2026-03-10T12:00:00Z')): EmfDocument[] {
  const lines: string[] = [];
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'cursor-usage-aggregator' });
  (metrics as unknown as { console: { log: (line: string) => void } }).console = { log: (line) => lines.push(line) };
  new CycleMetrics(metrics).publishCycle(result, now);
  return lines.map((line) => JSON.parse(line) as EmfDocument);
}

const COUNTS = { developers: 3, rowsUpserted: 12, rowsChanged: 5, rowsRejected: 1 };

describe('CycleMetrics', () => {
  test('success publishes every metric', () => {
    const [document] = publish({ status: 'success', runId: 'r1', ...COUNTS, durationMs: 850, watermark: '2026-03-09' });

    const definition = document!._aws.CloudWatchMetrics[0]!;
    expect(definition.Namespace).toBe('CursorUsageAggregator');
    expect(definition.Dimensions).toEqual([['service']]);
    expect(document!.service).toBe('cursor-usage-aggregator');
    expect(Object.fromEntries(definition.Metrics.map((metric) => [metric.Name, metric.Unit]))).toEqual({
      RowsUpserted: 'Count',
      RowsChanged: 'Count',
      RowsRejected: 'Count',
      CycleDuration: 'Milliseconds',
      CycleSucceeded: 'Count',
      CycleFailed: 'Count',
      ConsecutiveFailures: 'Count',
      WatermarkLagDays: 'Count',
    });
    expect(document!.RowsUpserted).toBe(12);
    expect(document!.RowsChanged).toBe(5);
    expect(document!.RowsRejected).toBe(1);
    expect(document!.CycleDuration).toBe(850);
    expect(document!.CycleSucceeded).toBe(1);
    expect(document!.CycleFailed).toBe(0);
    expect(document!.ConsecutiveFailures).toBe(0);
    expect(document!.WatermarkLagDays).toBe(1);
  });

  test('failure counts the streak', () => {
    const [document] = publish({
      status: 'failure',
      runId: 'r2',
      ...COUNTS,
      error: 'upstream server error',
      nextAttemptAt: new Date('2026-03-10T12:00:05Z'),
      consecutiveFailures: 4,
      durationMs: 3000,
      watermark: '2026-03-05',
    });

    expect(document!.CycleSucceeded).toBe(0);
    expect(document!.CycleFailed).toBe(1);
    expect(document!.ConsecutiveFailures).toBe(4);
    expect(document!.WatermarkLagDays).toBe(5);
  });

  test('incomplete is neither success nor failure', () => {
    const [document] = publish({ status: 'incomplete', runId: 'r3', ...COUNTS, durationMs: 1, watermark: null });

    expect(document!.CycleSucceeded).toBe(0);
    expect(document!.CycleFailed).toBe(0);
    expect(document!.WatermarkLagDays).toBeUndefined();
  });

  test.each([
    { status: 'lease_held', leaseOwner: 'other', leaseExpiresAt: null },
    { status: 'not_due', dueAt: new Date(), reason: 'poll_interval', consecutiveFailures: 0 },
  ] as CycleResult[])('$status publishes nothing', (result) => {
    expect(publish(result)).toEqual([]);
  });
});
