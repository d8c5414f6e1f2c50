import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { createHarness, MAIL_FROM, type Harness } from './helpers/harness.js';
import { fixtures, history, waitFor, waitForStatus } from './helpers/fixtures.js';
import { requestSends } from '../services/request-sends.js';
import { reconcilePending } from '../services/reconcile-pending.js';
import { statusQuery } from '../workflows/definitions.js';

let h: Harness;
let key: string;
let f: ReturnType<typeof fixtures>;

beforeAll(async () => {
  h = await createHarness();
  key = await h.createTenant();
  f = fixtures(h, key);
});
afterAll(async () => {
  await h?.close();
});

/** The production worker entry point in its own process, so it can be killed without warning. */
async function startWorkerProcess(opts: { reconciler: boolean } = { reconciler: false }): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl,
      TEMPORAL_ADDRESS: h.temporalAddress,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      SMTP_URL: h.smtp.url,
      MAIL_FROM,
      RECONCILER: opts.reconciler ? 'on' : 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await waitFor(async () => output.includes('polling task queue') || child.exitCode !== null, { timeoutMs: 60_000, what: 'worker process' });
  if (child.exitCode !== null) throw new Error(`worker process exited: ${output}`);
  return child;
}

describe('crashes and restarts', () => {
  it('a worker killed while a send waits in its undo window: a new worker completes the send exactly once', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 4 });
    const inv = await f.invoice(companyId, await f.person({ email: 'crash@example.com' }));
    const first = await startWorkerProcess();
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    const workflowId = res.json.results[0].workflowId;
    const handle = h.client.workflow.getHandle(workflowId);
    // The killed worker had really picked the run up: it answers that the run is in its undo window.
    expect((await handle.query(statusQuery)).phase).toBe('undo_window');

    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await new Promise((r) => setTimeout(r, 4500)); // the window closes while no worker runs
    const [stillPending] = await h.sql`SELECT status FROM invoices WHERE id = ${inv.id}`;
    expect(stillPending.status).toBe('pending_send');

    const second = await h.startWorker();
    try {
      await waitForStatus(h, inv.id, 'sent', 60_000);
      await handle.result();
    } finally {
      await second.stop();
    }
    expect(h.smtp.received.filter((m) => m.messageId === `<${workflowId}@test.invoice-distribution.local>`)).toHaveLength(1);
    expect((await history(h, inv.id)).filter((e) => e.type === 'sent')).toHaveLength(1);
    expect(await h.sql`SELECT 1 FROM deliveries WHERE invoice_id = ${inv.id}`).toHaveLength(1);
    expect(await h.sql`SELECT 1 FROM documents WHERE invoice_id = ${inv.id}`).toHaveLength(1);
  });

  it('the request committed but its workflow never started (Temporal unreachable): the reconciler starts it and the send completes', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
    const inv = await f.invoice(companyId, await f.person({ email: 'orphan@example.com' }));
    const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${inv.id}`;
    // A client for a namespace that does not exist: every start fails, like a Temporal outage right after commit.
    const broken = new Client({ connection: h.client.connection, namespace: 'namespace-that-does-not-exist' });
    const [result] = await requestSends({ sql: h.sql, client: broken, taskQueue: h.taskQueue }, tenantId, {
      invoiceIds: [inv.id], templateId: null, kind: 'invoice',
    });
    expect(result.accepted).toBe(true);
    const workflowId = (result as { workflowId: string }).workflowId;
    const [pending] = await h.sql`SELECT status, pending_workflow_id FROM invoices WHERE id = ${inv.id}`;
    expect(pending).toEqual({ status: 'pending_send', pending_workflow_id: workflowId });
    await expect(h.client.workflow.getHandle(workflowId).describe()).rejects.toThrow();

    const worker = await h.startWorker();
    try {
      await h.sql`UPDATE invoices SET pending_since = now() - interval '1 minute' WHERE id = ${inv.id}`;
      const r = await reconcilePending({ sql: h.sql, client: h.client, taskQueue: h.taskQueue }, { olderThanSeconds: 10 });
      expect(r.started).toBeGreaterThanOrEqual(1);
      await waitForStatus(h, inv.id, 'sent');
      // Running it again finds nothing left to do and starts nothing twice.
      const again = await reconcilePending({ sql: h.sql, client: h.client, taskQueue: h.taskQueue }, { olderThanSeconds: 0 });
      expect(again.started).toBe(0);
    } finally {
      await worker.stop();
    }
    expect(h.smtp.received.filter((m) => m.messageId === `<${workflowId}@test.invoice-distribution.local>`)).toHaveLength(1);
  });

  it("the production worker's own reconciler picks up a send whose workflow never started", async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
    const inv = await f.invoice(companyId, await f.person({ email: 'reconciled@example.com' }));
    const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${inv.id}`;
    const broken = new Client({ connection: h.client.connection, namespace: 'namespace-that-does-not-exist' });
    await requestSends({ sql: h.sql, client: broken, taskQueue: h.taskQueue }, tenantId, { invoiceIds: [inv.id], templateId: null, kind: 'invoice' });
    await h.sql`UPDATE invoices SET pending_since = now() - interval '1 minute' WHERE id = ${inv.id}`;
    const worker = await startWorkerProcess({ reconciler: true });
    try {
      await waitForStatus(h, inv.id, 'sent', 60_000);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    expect(h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === 'reconciled@example.com')).toHaveLength(1);
  });

  it('a send whose workflow was terminated by an operator is restored by the reconciler, with the reason', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 600 });
    const inv = await f.invoice(companyId, await f.person({ email: 'terminated@example.com' }));
    const worker = await h.startWorker();
    try {
      const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
      const handle = h.client.workflow.getHandle(res.json.results[0].workflowId);
      await handle.terminate('operator stopped it');
      await h.sql`UPDATE invoices SET pending_since = now() - interval '1 minute' WHERE id = ${inv.id}`;
      const r = await reconcilePending({ sql: h.sql, client: h.client, taskQueue: h.taskQueue }, { olderThanSeconds: 10 });
      expect(r.restored).toBe(1);
    } finally {
      await worker.stop();
    }
    const [row] = await h.sql`SELECT status, pending_workflow_id FROM invoices WHERE id = ${inv.id}`;
    expect(row).toEqual({ status: 'unsent', pending_workflow_id: null });
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'send_failed', error: 'delivery_failed' });
    expect(last.message).toContain('its workflow ended as terminated');
  });
});
