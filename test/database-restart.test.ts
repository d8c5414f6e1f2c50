import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';
import { fixtures, history, waitForStatus } from './helpers/fixtures.js';
import { startEmbeddedPostgres, type EmbeddedDb } from '../platform/embedded-db.js';

// This file runs its own PostgreSQL (the embedded one `npm start` uses) so it can restart it.
let dataDir: string;
let port: number;
let db: EmbeddedDb;
let h: Harness;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

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
    const worker = await h.startWorker();
    try {
      const key = await h.createTenant();
      const f = fixtures(h, key);
      const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 2 });
      const inv = await f.invoice(companyId, await f.person({ email: 'db-restart@example.com' }));
      const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
      expect(res.json.results[0].accepted).toBe(true);

      await db.stop(); // the database is gone when the undo window runs out and planning starts
      await new Promise((r) => setTimeout(r, 5000));
      db = await startEmbeddedPostgres(dataDir, port);

      await waitForStatus(h, inv.id, 'sent', 90_000);
      expect(h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === 'db-restart@example.com')).toHaveLength(1);
      expect((await history(h, inv.id)).map((e) => e.type)).toEqual(['created', 'send_requested', 'sent']);
    } finally {
      await worker.stop();
    }
  });
});
