// The production topology under a billing run: the Temporal server with PostgreSQL persistence
// and SQL visibility, the API and two workers as separate processes. One worker is killed
// (SIGKILL) mid-run; every invoice must still be delivered exactly once and the run complete.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { createTestDatabase, TEST_DATABASE_URL } from './helpers/database.js';
import { startSmtpServer } from './helpers/smtp.js';
import { waitFor } from './helpers/fixtures.js';
import { connect } from '../db/client.js';
import { freePort } from '../platform/free-port.js';
import { ensureTemporalServer, startTemporalCluster, type TemporalCluster } from '../platform/temporal-server.js';
import { startServiceProcess, type ServiceProcess } from '../platform/service-processes.js';

const N = 1000;
const MAIL_DOMAIN = 'scale.invoice-distribution.local';

let dir: string;
let cluster: TemporalCluster;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
const temporalDbs = { main: `scale_temporal_${randomBytes(4).toString('hex')}`, visibility: `scale_temporal_vis_${randomBytes(4).toString('hex')}` };
// One SMTP server per worker, so the answers to the worker that is killed can be held apart.
let smtpA: Awaited<ReturnType<typeof startSmtpServer>>;
let smtpB: Awaited<ReturnType<typeof startSmtpServer>>;
const processes: ServiceProcess[] = [];
let api: string;
let adminToken: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'invoice-dist-scale-'));
  // Built from the Go module on first use (minutes), cached outside the checkout after that.
  const tools = await ensureTemporalServer();
  cluster = await startTemporalCluster({ tools, databaseServerUrl: TEST_DATABASE_URL, databases: temporalDbs, dataDir: path.join(dir, 'temporal'), namespace: 'default' });
  db = await createTestDatabase();
  [smtpA, smtpB] = [await startSmtpServer(), await startSmtpServer()];
  adminToken = randomBytes(12).toString('hex');
  const port = await freePort();
  const env = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_TASK_QUEUE: 'scale-out',
    ADMIN_TOKEN: adminToken,
    MAIL_FROM: `invoices@${MAIL_DOMAIN}`,
    DATA_DIR: dir,
    PORT: String(port),
  };
  processes.push(await startServiceProcess('worker', { name: 'worker-1', env: { ...env, SMTP_URL: smtpA.url } }));
  processes.push(await startServiceProcess('worker', { name: 'worker-2', env: { ...env, SMTP_URL: smtpB.url } }));
  processes.push(await startServiceProcess('api', { name: 'api', env }));
  api = `http://127.0.0.1:${port}`;
}, 900_000);

afterAll(async () => {
  for (const p of processes.reverse()) await p.stop().catch(() => undefined);
  await cluster?.stop();
  await db?.drop();
  const admin = connect(TEST_DATABASE_URL, { max: 1 });
  for (const name of Object.values(temporalDbs)) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await Promise.all([smtpA?.close(), smtpB?.close()]);
  await rm(dir, { recursive: true, force: true });
});

async function call(method: string, p: string, body: unknown, token: string) {
  const res = await fetch(api + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any };
}

it(`${N} invoices with two workers, one killed (SIGKILL) mid-run: each delivered exactly once, none pending, the run complete`, async () => {
  const key = (await call('POST', '/admin/tenants', { name: 'Scale' }, adminToken)).json.apiKey as string;
  const company = (await call('POST', '/v1/companies', { name: 'Skala Gym AB', orgNumber: '556677-8899', address: { street: 'Gatan 1', postalCode: '111 22', city: 'Stockholm' } }, key)).json.id as string;
  await call('PUT', `/v1/companies/${company}/distribution-settings`, { activeMethods: ['email'], defaultMethod: 'email', fallbackMethod: null, reminderDistribution: false, undoWindowSeconds: 0, linkInvoiceToOrganization: false }, key);
  const person = (await call('POST', '/v1/persons', { name: 'Kim Karlsson', email: 'kim@example.com' }, key)).json.id as string;
  const [{ id: tenantId }] = await db.sql`SELECT id FROM tenants`;
  // The run's invoices as fixture rows: the billing run is what is under test, not invoice creation.
  await db.sql`
    INSERT INTO invoices (id, tenant_id, company_id, number, status, person_id, issue_date, due_date, ocr, email, lines, net_amount, vat_amount, total_amount)
    SELECT 'inv_scale_' || lpad(i::text, 5, '0'), ${tenantId}, ${company}, 'S' || i, 'unsent', ${person}, '2026-11-01', '2026-11-30', '1234566',
           'kim+' || i || '@example.com', '[{"description":"Gym","quantity":1,"unitAmount":10000,"vatRate":6}]'::jsonb, 10000, 600, 10600
    FROM generate_series(1, ${N}) AS i`;
  const ids = (await db.sql`SELECT id FROM invoices WHERE company_id = ${company} ORDER BY id`).map((r) => r.id as string);

  const res = await call('POST', '/v1/invoices/send', { invoiceIds: ids }, key);
  expect(res.status).toBe(202);
  const runId = res.json.runId as string;
  const received = () => [...smtpA.received, ...smtpB.received];
  await waitFor(async () => received().length >= N / 4 && smtpA.received.length > 0, { timeoutMs: 300_000, what: 'a quarter of the run out, some by worker 1' });

  // Kill worker 1 between deliveries, never between its server's 250 and its record of it (SMTP's
  // own duplicate window): hold its server's answers, wait until each one it answered is recorded,
  // kill, and answer the held ones once their client is gone (so they count as not accepted).
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const held = new Set<string>();
  smtpA.state.beforeAccept = (session) => {
    held.add(session);
    return gate;
  };
  await waitFor(async () => {
    const answered = smtpA.received.map((m) => m.messageId!.replace(/^<|@.*$/g, ''));
    const [{ n }] = await db.sql`SELECT count(*)::int AS n FROM deliveries WHERE workflow_id = ANY(${answered}::text[]) AND state = 'delivered'`;
    return n === answered.length;
  }, { timeoutMs: 60_000, what: "every e-mail worker 1's server answered to be recorded" });
  const [worker1] = processes;
  await worker1.kill();
  expect(worker1.child.signalCode).toBe('SIGKILL');
  await waitFor(async () => [...held].every((s) => smtpA.closed.has(s)), { what: "the killed worker's SMTP sessions to close" });
  smtpA.state.beforeAccept = null;
  release();

  // Worker 2 takes over what worker 1 held: its workflow tasks time out, its activities miss their heartbeats.
  const run = await waitFor(
    async () => {
      const r = (await call('GET', `/v1/send-runs/${runId}`, undefined, key)).json;
      return r.completedAt ? r : null;
    },
    { timeoutMs: 600_000, what: 'the run to complete' },
  );
  expect(run).toMatchObject({ id: runId, total: N, accepted: N, refused: 0, pending: 0, sent: N, failed: 0, undone: 0 });

  const all = received();
  const messageIds = new Set(all.map((m) => m.messageId));
  const expected = new Set(res.json.results.map((r: { workflowId: string }) => `<${r.workflowId}@${MAIL_DOMAIN}>`));
  expect(messageIds).toEqual(expected);
  expect(all).toHaveLength(N); // no Message-ID twice
  expect(smtpB.received.length).toBeGreaterThan(0);
  const [counts] = await db.sql`
    SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'pending_send')::int AS pending
    FROM invoices WHERE company_id = ${company}`;
  expect(counts).toEqual({ sent: N, pending: 0 });
  const [history] = await db.sql`SELECT count(*)::int AS n FROM invoice_history WHERE type = 'sent' AND invoice_id = ANY(${ids}::text[])`;
  expect(history.n).toBe(N);

  // SQL visibility on PostgreSQL answers the operators' queries by the registered search attributes.
  const client = new Client({ connection: await Connection.connect({ address: cluster.address }) });
  try {
    const sent = await waitFor(async () => {
      const { count } = await client.workflow.count(`CompanyId = "${company}" AND DeliveryOutcome = "sent" AND ExecutionStatus = "Completed"`);
      return count === N ? count : null;
    }, { timeoutMs: 60_000, what: 'visibility to count the completed sends' });
    expect(sent).toBe(N);
  } finally {
    await client.connection.close();
  }
}, 900_000);

it('on this topology too, a credit racing the send (50 races, API process and two workers): undone exactly when nothing went out', async () => {
  const key = (await call('POST', '/admin/tenants', { name: 'Races' }, adminToken)).json.apiKey as string;
  const company = (await call('POST', '/v1/companies', { name: 'Kapp Gym AB', orgNumber: '556677-8899', address: { street: 'Gatan 1', postalCode: '111 22', city: 'Stockholm' } }, key)).json.id as string;
  await call('PUT', `/v1/companies/${company}/distribution-settings`, { activeMethods: ['email'], defaultMethod: 'email', fallbackMethod: null, reminderDistribution: false, undoWindowSeconds: 0, linkInvoiceToOrganization: false }, key);
  const person = (await call('POST', '/v1/persons', { name: 'Rut Ek', email: 'rut@example.com' }, key)).json.id as string;
  const outcomes: { invoiceId: string; workflowId: string; undone: boolean }[] = [];
  for (let i = 0; i < 50; i++) {
    const inv = await call('POST', '/v1/invoices', { companyId: company, personId: person, number: `R${i}`, issueDate: '2026-11-01', dueDate: '2026-11-30', lines: [{ description: 'Gym', quantity: 1, unitAmount: 10000, vatRate: 6 }] }, key);
    expect(inv.status).toBe(201);
    const [sent, credit] = await Promise.all([
      call('POST', '/v1/invoices/send', { invoiceIds: [inv.json.id] }, key),
      new Promise((r) => setTimeout(r, (i % 8) * 40)).then(() => call('POST', `/v1/invoices/${inv.json.id}/credit`, { reason: `race ${i}` }, key)),
    ]);
    expect(credit.status).toBe(200);
    if (sent.json.results[0].accepted) outcomes.push({ invoiceId: inv.json.id, workflowId: sent.json.results[0].workflowId, undone: credit.json.undone });
  }
  for (const o of outcomes) {
    await waitFor(async () => (await db.sql`SELECT 1 FROM invoices WHERE id = ${o.invoiceId} AND pending_workflow_id IS NULL`).length === 1, { timeoutMs: 60_000, what: `${o.invoiceId} settled` });
    await waitFor(async () => {
      const [item] = await db.sql`SELECT outcome FROM send_run_items WHERE workflow_id = ${o.workflowId}`;
      return item.outcome !== 'pending';
    }, { timeoutMs: 60_000, what: `${o.workflowId} ended` });
    const mails = [...smtpA.received, ...smtpB.received].filter((m) => m.messageId === `<${o.workflowId}@${MAIL_DOMAIN}>`);
    expect(mails).toHaveLength(o.undone ? 0 : 1);
    const types = (await db.sql`SELECT type FROM invoice_history WHERE invoice_id = ${o.invoiceId} ORDER BY id`).map((r) => r.type);
    expect(types.includes('send_undone')).toBe(o.undone);
    expect(types).not.toContain('send_failed');
  }
  expect(outcomes.some((o) => o.undone)).toBe(true);
}, 600_000);
