import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';
import { expectSentOnceThroughOutage } from './helpers/outage.js';
import { freePort } from '../platform/free-port.js';
import { startEmbeddedPostgres, type EmbeddedDb } from '../platform/embedded-db.js';

// This file runs its own PostgreSQL (the embedded one `npm start` uses) so it can restart it.
let dataDir: string;
let port: number;
let db: EmbeddedDb;
let h: Harness;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'invoice-dist-pg-'));
  await chmod(dataDir, 0o755); // PostgreSQL runs as its own user when we are root
  port = await freePort();
  db = await startEmbeddedPostgres(dataDir, port);
  h = await createHarness({ databaseServerUrl: db.url });
});
afterAll(async () => {
  await h?.close().catch(() => undefined);
  await db?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a restart of the database', () => {
  it('while a send waits in its undo window: the send completes once after the database is back', async () => {
    await expectSentOnceThroughOutage(h, { email: 'db-restart@example.com', undoWindowSeconds: 2 }, async () => {
      await db.stop(); // the database is gone when the undo window runs out and planning starts
      await new Promise((r) => setTimeout(r, 5000));
      db = await startEmbeddedPostgres(dataDir, port);
    });
  });
});
