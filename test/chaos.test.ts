// Faults at batch scale: a run of CHAOS_INVOICES invoices (100 in `npm test`, 500 with
// `npm run chaos`) meets one fault each — a worker killed, SMTP answering 421/451 for 30 s,
// PostgreSQL restarted, Temporal restarted — and must end with every invoice delivered exactly
// once (Message-IDs counted at the SMTP server), none pending_send, and a complete history.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';
import { fixtures, waitFor } from './helpers/fixtures.js';
import { killed, startWorkerProcess } from './helpers/worker-process.js';
import { ensureTemporalCli } from '../platform/temporal-cli.js';
import { freePort } from '../platform/free-port.js';
import { startTemporalDevServer, type DevServer } from '../platform/temporal-dev-server.js';
import { startEmbeddedPostgres, type EmbeddedDb } from '../platform/embedded-db.js';

const N = Number(process.env.CHAOS_INVOICES ?? 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let db: EmbeddedDb;
let temporal: DevServer;
let h: Harness;
let key: string;
let startTemporal: () => Promise<DevServer>;
let startDb: () => Promise<EmbeddedDb>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'invoice-dist-chaos-'));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when we are root
  const [pgPort, port, uiPort] = [await freePort(), await freePort(), await freePort()];
  const cli = await ensureTemporalCli();
  startDb = () => startEmbeddedPostgres(path.join(dir, 'pg'), pgPort);
  startTemporal = () => startTemporalDevServer({ cli, dataDir: path.join(dir, 'temporal'), port, uiPort, namespace: 'default' });
  db = await startDb();
  temporal = await startTemporal();
  h = await createHarness({ temporalAddress: temporal.address, databaseServerUrl: db.url });
  key = await h.createTenant();
});
afterAll(async () => {
  await h?.close().catch(() => undefined);
  await temporal?.stop();
  await db?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Sends a run of N invoices by e-mail, runs `fault` once some are out, and checks exactly-once delivery. */
async function runThrough(name: string, fault: (run: { companyId: string; accepted: () => number }) => Promise<void>) {
  const f = fixtures(h, key);
  const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
  const ids: string[] = [];
  for (let i = 0; i < N; i++) ids.push((await f.invoice(companyId, await f.person({ email: `${name}-${i}@example.com` }))).id);
  const mine = () => h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text.startsWith(`${name}-`));

  const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: ids } });
  expect(res.json.results.filter((r: { accepted: boolean }) => r.accepted)).toHaveLength(N);
  await waitFor(async () => mine().length >= N / 5, { timeoutMs: 120_000, what: 'a fifth of the run to go out' });
  await fault({ companyId, accepted: () => mine().length });
  await waitFor(
    async () => (await h.sql`SELECT count(*)::int AS n FROM invoices WHERE company_id = ${companyId} AND status = 'sent'`)[0].n === N,
    { timeoutMs: 300_000, what: `all ${N} invoices sent` },
  );

  const received = mine();
  const messageIds = new Set(received.map((m) => m.messageId));
  const expected = new Set(res.json.results.map((r: { workflowId: string }) => `<${r.workflowId}@test.invoice-distribution.local>`));
  const [stuck] = await h.sql`SELECT count(*)::int AS n FROM invoices WHERE company_id = ${companyId} AND status = 'pending_send'`;
  const histories = await h.sql`
    SELECT string_agg(type, ',' ORDER BY id) AS types FROM invoice_history
    WHERE invoice_id = ANY(${ids}::text[]) GROUP BY invoice_id`;
  console.log(`chaos ${name}: ${N} invoices, ${received.length} e-mails, ${received.length - messageIds.size} duplicates, ${stuck.n} stuck`);
  expect(messageIds).toEqual(expected);
  expect(received).toHaveLength(N);
  expect(stuck.n).toBe(0);
  expect(histories.map((r) => r.types)).toEqual(ids.map(() => 'created,send_requested,sent'));
}

describe(`faults during a ${N}-invoice run`, { timeout: 600_000 }, () => {
  it('a worker process killed (SIGKILL) mid-run', async () => {
    const first = await startWorkerProcess(h);
    let second: Awaited<ReturnType<Harness['startWorker']>> | undefined;
    try {
      await runThrough('kill', async ({ companyId, accepted }) => {
        // The kill must land between deliveries, never between a server's 250 and the worker's
        // record of it (SMTP's own duplicate window, RFC 1047): hold every answer, wait until each
        // e-mail already answered is recorded, kill, and answer the held ones only once the
        // server has seen their client go — an e-mail whose client vanished before its 250 is
        // not accepted.
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const held = new Set<string>();
        h.smtp.state.beforeAccept = (session) => {
          held.add(session);
          return gate;
        };
        await waitFor(async () => {
          const [{ n }] = await h.sql`
            SELECT count(*)::int AS n FROM deliveries d JOIN invoices i ON i.id = d.invoice_id
            WHERE i.company_id = ${companyId} AND d.state = 'delivered'`;
          return n === accepted();
        }, { what: 'every answered e-mail to be recorded' });
        await killed(first);
        await waitFor(async () => [...held].every((s) => h.smtp.closed.has(s)), { what: 'the killed worker\'s SMTP sessions to close' });
        h.smtp.state.beforeAccept = null;
        release();
        second = await h.startWorker();
      });
    } finally {
      await killed(first);
      await second?.stop();
    }
  });

  describe('with an in-process worker', () => {
    let worker: Awaited<ReturnType<Harness['startWorker']>>;
    beforeAll(async () => {
      worker = await h.startWorker();
    });
    afterAll(async () => {
      await worker?.stop();
    });

    it('the SMTP server answering 421/451 for 30 s', async () => {
      await runThrough('smtp', async () => {
        h.smtp.state.unavailableUntil = Date.now() + 30_000;
        await sleep(30_000);
      });
    });

    it('PostgreSQL restarted', async () => {
      await runThrough('postgres', async () => {
        await db.stop();
        await sleep(3000);
        db = await startDb();
      });
    });

    it('the Temporal server restarted', async () => {
      await runThrough('temporal', async () => {
        await temporal.stop();
        await sleep(3000);
        temporal = await startTemporal();
      });
    });
  });
});
