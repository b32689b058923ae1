import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLocalDatabase, type LocalDatabase } from '../../scripts/localStack/localDatabase';
import { findFreePort } from '../support/ports';

/** The server is checked once a second; this leaves room for a slow machine. */
const EXIT_NOTICED_WITHIN_MS = 5_000;

describe('npm start embedded PostgreSQL', () => {
  let temporaryDirectory: string;
  let databaseDirectory: string;
  let database: LocalDatabase | undefined;

  beforeAll(async () => {
    temporaryDirectory = await mkdtemp(path.join(tmpdir(), 'aggregator-local-database-'));
    // Under root the server runs as `postgres`, which must be able to enter this folder.
    await chmod(temporaryDirectory, 0o755);
    databaseDirectory = path.join(temporaryDirectory, 'postgres');
    database = await startLocalDatabase(await findFreePort(), databaseDirectory);
  }, 90_000);

  afterAll(async () => {
    await database?.stop();
    await rm(temporaryDirectory, { recursive: true, force: true });
  });

  test('killed server settles exited', async () => {
    let exited = false;
    void database!.exited.then(() => {
      exited = true;
    });
    await delay(1_500);
    expect(exited).toBe(false);

    const pid = Number((await readFile(path.join(databaseDirectory, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    const outcome = await Promise.race([
      database!.exited.then(() => 'exited' as const),
      delay(EXIT_NOTICED_WITHIN_MS).then(() => 'still waiting' as const),
    ]);

    expect(outcome).toBe('exited');
  }, 30_000);
});
