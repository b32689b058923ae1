/**
 * `npm run health`: prints the health document through the `health` handler.
 * Exit 0 for pass or warn, 1 for fail.
 */
import { closeHealthRuntime, handler } from '../functions/health';
import { loadConfig } from '../lib/config';
import { embeddedDatabaseHint } from './databaseHint';
import type { Context } from 'aws-lambda';

async function main(): Promise<number> {
  try {
    const response = (await handler({} as never, {} as Context)) as { statusCode: number; body: string };
    process.stdout.write(`${JSON.stringify(JSON.parse(response.body), null, 2)}\n`);

    const document = JSON.parse(response.body) as { status: string; checks: Record<string, unknown> };
    if (document.status === 'fail' && Object.keys(document.checks).length === 1) {
      const hint = safeEmbeddedHint();
      if (hint !== undefined) {
        process.stderr.write(`${hint}\n`);
      }
    }
    return document.status === 'fail' ? 1 : 0;
  } finally {
    await closeHealthRuntime();
  }
}

function safeEmbeddedHint(): string | undefined {
  try {
    return embeddedDatabaseHint(loadConfig(process.env));
  } catch {
    // An invalid configuration is already reported in the document.
    return undefined;
  }
}

process.exitCode = await main();
