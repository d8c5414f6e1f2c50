import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';
import { fixtures, history, waitForStatus } from './helpers/fixtures.js';
import { ensureTemporalCli } from '../platform/temporal-cli.js';
import { startTemporalDevServer, type DevServer } from '../platform/temporal-dev-server.js';

// This file runs its own Temporal dev server (SQLite file, as `npm start` does) so it can restart it.
let dataDir: string;
let cli: string;
let port: number;
let uiPort: number;
let server: DevServer;
let h: Harness;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
const start = () => startTemporalDevServer({ cli, dataDir, port, uiPort, namespace: 'default' });

beforeAll(async () => {
  cli = await ensureTemporalCli();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'invoice-dist-temporal-'));
  [port, uiPort] = [await freePort(), await freePort()];
  server = await start();
  h = await createHarness({ temporalAddress: server.address });
});
afterAll(async () => {
  await h?.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a restart of the Temporal server', () => {
  it('while a send waits in its undo window: the send completes once after the server is back', async () => {
    const worker = await h.startWorker();
    try {
      const key = await h.createTenant();
      const f = fixtures(h, key);
      const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 3 });
      const inv = await f.invoice(companyId, await f.person({ email: 'restart@example.com' }));
      const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
      expect(res.json.results[0].accepted).toBe(true);

      await server.stop(); // the server is gone while the undo window runs out
      await new Promise((r) => setTimeout(r, 4000));
      server = await start();

      await waitForStatus(h, inv.id, 'sent', 90_000);
      expect(h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === 'restart@example.com')).toHaveLength(1);
      expect((await history(h, inv.id)).map((e) => e.type)).toEqual(['created', 'send_requested', 'sent']);
    } finally {
      await worker.stop();
    }
  });
});
