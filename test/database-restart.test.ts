import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';
import { expectSentOnceThroughOutage } from './helpers/outage.js';
import { waitFor } from './helpers/fixtures.js';
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
  // Started as `npm start` starts it: under the service's umask 077.
  const umask = process.umask(0o077);
  try {
    db = await startEmbeddedPostgres(dataDir, port);
  } finally {
    process.umask(umask);
  }
  h = await createHarness({ databaseServerUrl: db.url });
});
afterAll(async () => {
  await h?.close().catch(() => undefined);
  await db?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a restart of the database', () => {
  it('right as the SMTP server accepts an e-mail: the acceptance is recorded once the database is back, and the e-mail is not sent again', async () => {
    let outage: Promise<void> | null = null;
    h.smtp.state.beforeAccept = async () => {
      h.smtp.state.beforeAccept = null;
      const stopped = db.stop(); // the 250 goes out while the database is down
      outage = stopped.then(() => new Promise((r) => setTimeout(r, 4000))).then(async () => {
        db = await startEmbeddedPostgres(dataDir, port);
      });
      await stopped;
    };
    await expectSentOnceThroughOutage(h, { email: 'accepted-during-outage@example.com', undoWindowSeconds: 0 }, async () => {
      await waitFor(async () => outage !== null, { what: 'the outage to begin' });
      await outage;
    });
  });

  it('while a send waits in its undo window: the send completes once after the database is back', async () => {
    await expectSentOnceThroughOutage(h, { email: 'db-restart@example.com', undoWindowSeconds: 2 }, async () => {
      await db.stop(); // the database is gone when the undo window runs out and planning starts
      await new Promise((r) => setTimeout(r, 5000));
      db = await startEmbeddedPostgres(dataDir, port);
    });
  });
});
