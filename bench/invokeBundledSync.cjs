// Runs in the child process that the bench starts for the full sync (d):
// loads the `sync` function's esbuild bundle, as the Lambda runtime does at a
// cold start, and invokes its handler once with {"action": "sync"}, as
// `npm run sync:once` and `serverless invoke` do. Plain CommonJS, so the
// process has no TypeScript loader that the deployed function does not have.
//
// Usage: node [V8 flags] bench/invokeBundledSync.cjs <path to sync.cjs>
// Writes one line `BENCH_RESULT {json}` to stderr: the module load time, the
// handler's duration, the cycle's status and the process's peak RSS.
'use strict';

const { performance } = require('node:perf_hooks');

const INVOCATION_TIMEOUT_MS = 15 * 60_000;

async function main() {
  const bundlePath = process.argv[2];
  if (bundlePath === undefined) {
    throw new Error('Missing the path of the sync bundle. Usage: node bench/invokeBundledSync.cjs <path to sync.cjs>');
  }

  const loadStarted = performance.now();
  const bundle = require(bundlePath);
  const loadMs = performance.now() - loadStarted;

  const deadlineMs = Date.now() + INVOCATION_TIMEOUT_MS;
  const context = {
    functionName: 'sync',
    awsRequestId: `bench-${Date.now()}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
  const invoked = performance.now();
  const result = await bundle.handler({ action: 'sync' }, context);
  const handlerMs = performance.now() - invoked;

  await bundle.closeSyncRuntime();
  const cycle = result.cycles[0];
  process.stderr.write(
    `BENCH_RESULT ${JSON.stringify({
      loadMs,
      handlerMs,
      status: cycle === undefined ? 'none' : cycle.status,
      error: cycle === undefined ? null : (cycle.error ?? null),
      peakRssKb: process.resourceUsage().maxRSS,
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`The bundled sync failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
