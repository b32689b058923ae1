import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from './logger';
import type { CycleMetricsSink, CycleResult } from './syncCycle';
import { daysBetween, toIsoDate } from './time';

/** CloudWatch namespace of the service's metrics; the alarms in serverless.yml use it. */
export const METRICS_NAMESPACE = 'CursorUsageAggregator';

/**
 * Publishes one set of metrics per cycle that ran, in CloudWatch Embedded
 * Metric Format: JSON lines on stdout that CloudWatch Logs turns into
 * metrics, and that read as log lines locally. The only dimension is
 * `service`.
 */
export class CycleMetrics implements CycleMetricsSink {
  constructor(readonly metrics: Metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME })) {}

  publishCycle(result: CycleResult, now: Date): void {
    if (result.status === 'lease_held' || result.status === 'not_due') {
      return;
    }
    const { metrics } = this;
    metrics.addMetric('RowsUpserted', MetricUnit.Count, result.rowsUpserted);
    metrics.addMetric('RowsChanged', MetricUnit.Count, result.rowsChanged);
    metrics.addMetric('RowsRejected', MetricUnit.Count, result.rowsRejected);
    metrics.addMetric('CycleDuration', MetricUnit.Milliseconds, result.durationMs);
    metrics.addMetric('CycleSucceeded', MetricUnit.Count, result.status === 'success' ? 1 : 0);
    metrics.addMetric('CycleFailed', MetricUnit.Count, result.status === 'failure' ? 1 : 0);
    metrics.addMetric('ConsecutiveFailures', MetricUnit.Count, result.status === 'failure' ? result.consecutiveFailures : 0);
    if (result.watermark !== null) {
      metrics.addMetric('WatermarkLagDays', MetricUnit.Count, daysBetween(result.watermark, toIsoDate(now.getTime())));
    }
    metrics.publishStoredMetrics();
  }
}
