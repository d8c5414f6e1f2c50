import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';
import { expectSentOnceThroughOutage } from './helpers/outage.js';
import { ensureTemporalCli } from '../platform/temporal-cli.js';
import { freePort } from '../platform/free-port.js';
import { startTemporalDevServer, type DevServer } from '../platform/temporal-dev-server.js';

// This file runs its own Temporal dev server (SQLite file, as `npm start` does) so it can restart it.
let dataDir: string;
let cli: string;
let port: number;
let uiPort: number;
let server: DevServer;
let h: Harness;

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
    await expectSentOnceThroughOutage(h, { email: 'restart@example.com', undoWindowSeconds: 3 }, async () => {
      await server.stop(); // the server is gone while the undo window runs out
      await new Promise((r) => setTimeout(r, 4000));
      server = await start();
    });
  });
});
