import { randomUUID } from 'node:crypto';
import { request } from 'node:http';

/** The name serverless-offline gives `sync`: `<service>-<stage>-<function>`, with the stage `npm start` passes. */
export const SYNC_FUNCTION_NAME = 'cursor-usage-aggregator-dev-sync';

export const LOCAL_REGION = 'us-east-1';

export interface InvocationResponse {
  statusCode: number;
  /** Set when the handler threw: the value of the X-Amz-Function-Error header. */
  functionError: string | undefined;
  payload: string;
}

/**
 * Builds an event in the shape EventBridge sends for a scheduled rule, which
 * the `sync` handler treats as a `schedule` trigger.
 */
export function scheduledEvent(now: Date): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    // EventBridge sends whole seconds: 2024-01-31T12:00:00Z.
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [`arn:aws:events:${LOCAL_REGION}:000000000000:rule/${SYNC_FUNCTION_NAME}-local-start`],
    detail: {},
  };
}

/**
 * Invokes `sync` once through serverless-offline's Lambda endpoint and waits
 * for the handler to return. There is no client timeout, because the
 * function's own 900 s timeout bounds the call.
 */
export function invokeSync(lambdaPort: number, event: Record<string, unknown>): Promise<InvocationResponse> {
  const body = JSON.stringify(event);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: lambdaPort,
        method: 'POST',
        path: `/2015-03-31/functions/${SYNC_FUNCTION_NAME}/invocations`,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-amz-invocation-type': 'RequestResponse',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const functionError = response.headers['x-amz-function-error'];
          resolve({
            statusCode: response.statusCode ?? 0,
            functionError: Array.isArray(functionError) ? functionError.join(', ') : functionError,
            payload: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
