import { randomBytes } from 'node:crypto';
import { connect, type Sql } from '../../db/client.js';
import { migrate } from '../../db/migrate.js';

/** The machine's PostgreSQL (CI runs on the same machine); override with TEST_DATABASE_URL. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh database per test file, so files running in parallel never see each other's rows. */
export async function createTestDatabase(serverUrl = TEST_DATABASE_URL): Promise<{ sql: Sql; url: string; drop(): Promise<void> }> {
  const name = `invdist_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = connect(serverUrl, { max: 1 });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const sql = connect(url.toString(), { max: 20 });
  await migrate(sql);
  return {
    sql,
    url: url.toString(),
    async drop() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}
