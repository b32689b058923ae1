import { loadConfig, type Config } from '../lib/config';
import { toError } from '../lib/errors';
import { isConnectionCode, redactSecrets } from '../lib/sanitize';

/** Returns the advice for when the embedded server of `npm start` is the target and is not running. */
export function embeddedDatabaseHint(config: Config): string | undefined {
  if (!config.usesEmbeddedDatabase) {
    return undefined;
  }
  return (
    `No DATABASE_URL is set, so this uses the embedded PostgreSQL of \`npm start\` on 127.0.0.1:${config.embeddedDatabasePort}, ` +
    'and it is not running. Start it with `npm start`, or set DATABASE_URL to your database.'
  );
}

/** Explains an error thrown by a command, pointing at the embedded server when it is the cause. */
export function explainDatabaseFailure(thrown: unknown, env: Readonly<Record<string, string | undefined>>): string {
  const error = toError(thrown);
  const code = (error as { code?: unknown }).code;
  const config = loadConfig(env);
  if (typeof code === 'string' && isConnectionCode(code)) {
    return embeddedDatabaseHint(config) ?? `The database is unreachable (${code}). Check DATABASE_URL.`;
  }
  return redactSecrets(`Sync failed: ${error.message}`, [config.cursorApiKey, config.databaseUrl]);
}
