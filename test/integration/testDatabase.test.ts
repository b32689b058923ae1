import { afterAll, beforeAll, expect, test } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

test('test database accepts queries', async () => {
  const sql = postgres(database.url, { max: 1 });
  const [row] = await sql<{ version: number }[]>`select current_setting('server_version_num')::int as version`;
  await sql.end();
  expect(row?.version).toBeGreaterThanOrEqual(140000);
});
