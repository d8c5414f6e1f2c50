import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { createHarness, type Harness } from './helpers/harness.js';
import { killed, startWorkerProcess } from './helpers/worker-process.js';
import { fixtures, history, waitForStatus } from './helpers/fixtures.js';
import { requestSends } from '../services/request-sends.js';
import { reconcilePending } from '../services/reconcile-pending.js';
import { SendStarter } from '../services/send-starter.js';

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

describe('crashes and restarts', () => {
  it('a worker killed while a send waits in its undo window (held by the server): a new worker completes the send exactly once', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 4 });
    const inv = await f.invoice(companyId, await f.person({ email: 'crash@example.com' }));
    const first = await startWorkerProcess(h);
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    const workflowId = res.json.results[0].workflowId;
    const handle = h.client.workflow.getHandle(workflowId);
    // The server holds the window: the run exists, but no worker has been given anything of it yet.
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await handle.fetchHistory()).events!.map((e) => e.workflowExecutionStartedEventAttributes ? 'started' : 'other')).toEqual(['started']);

    await killed(first);
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
    const starter = new SendStarter({ sql: h.sql, client: broken, taskQueue: h.taskQueue });
    const { runId, results: [result] } = await requestSends({ sql: h.sql, starter }, tenantId, {
      invoiceIds: [inv.id], templateId: null, kind: 'invoice',
    });
    await starter.drain();
    expect(result.accepted).toBe(true);
    const workflowId = (result as { workflowId: string }).workflowId;
    const [pending] = await h.sql`SELECT status, pending_workflow_id FROM invoices WHERE id = ${inv.id}`;
    expect(pending).toEqual({ status: 'pending_send', pending_workflow_id: workflowId });
    await expect(h.client.workflow.getHandle(workflowId).describe()).rejects.toThrow();

    // Still owed a start: the reconciler leaves it to the accepting process until its lease runs out.
    expect(await h.sql`SELECT started FROM send_run_items WHERE workflow_id = ${workflowId}`).toEqual([{ started: false }]);
    const early = await reconcilePending({ sql: h.sql, client: h.client, taskQueue: h.taskQueue }, { olderThanSeconds: 10 });
    expect(early.started).toBe(0);

    const worker = await h.startWorker();
    try {
      await h.sql`UPDATE send_run_items SET start_lease_until = now() - interval '1 second' WHERE workflow_id = ${workflowId}`;
      const r = await reconcilePending({ sql: h.sql, client: h.client, taskQueue: h.taskQueue }, { olderThanSeconds: 10 });
      expect(r.started).toBe(1);
      expect(await h.sql`SELECT started FROM send_run_items WHERE workflow_id = ${workflowId}`).toEqual([{ started: true }]);
      await waitForStatus(h, inv.id, 'sent');
      const run = await h.request('GET', `/v1/send-runs/${runId}`, { key });
      expect(run.json).toMatchObject({ id: runId, total: 1, accepted: 1, refused: 0, pending: 0, sent: 1, failed: 0, undone: 0 });
      expect(run.json.completedAt).not.toBeNull();
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
    const starter = new SendStarter({ sql: h.sql, client: broken, taskQueue: h.taskQueue });
    await requestSends({ sql: h.sql, starter }, tenantId, { invoiceIds: [inv.id], templateId: null, kind: 'invoice' });
    await starter.drain();
    await h.sql`UPDATE send_run_items SET start_lease_until = now() - interval '1 second' WHERE invoice_id = ${inv.id}`;
    const worker = await startWorkerProcess(h, { reconciler: true });
    try {
      await waitForStatus(h, inv.id, 'sent', 60_000);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    expect(h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === 'reconciled@example.com')).toHaveLength(1);
  });

  it('a worker killed right after the SMTP server accepted the e-mail: the retry finds it recorded and sends nothing again', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
    const inv = await f.invoice(companyId, await f.person({ email: 'accepted-then-killed@example.com' }));
    const crashing = await startWorkerProcess(h, { script: 'test/helpers/crash-after-accept-worker.ts' });
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    const workflowId = res.json.results[0].workflowId;
    await new Promise((r) => crashing.once('exit', r));
    expect(crashing.signalCode).toBe('SIGKILL'); // it died at that very point
    const [recorded] = await h.sql`SELECT state FROM deliveries WHERE workflow_id = ${workflowId}`;
    expect(recorded.state).toBe('delivered');
    expect((await h.sql`SELECT status FROM invoices WHERE id = ${inv.id}`)[0].status).toBe('pending_send');

    const second = await h.startWorker();
    try {
      await waitForStatus(h, inv.id, 'sent', 90_000); // after the heartbeat timeout the delivery is retried
    } finally {
      await second.stop();
    }
    const { events } = await h.client.workflow.getHandle(workflowId).fetchHistory();
    // The delivery really ran twice: the second attempt found the first one's record.
    expect(events!.some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 0) > 1)).toBe(true);
    expect(h.smtp.received.filter((m) => m.messageId === `<${workflowId}@test.invoice-distribution.local>`)).toHaveLength(1);
    expect((await history(h, inv.id)).filter((e) => e.type === 'sent')).toHaveLength(1);
  });

  it('a send whose workflow ended after its delivery was made, but before it was recorded: the reconciler records it as sent', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 600 });
    const inv = await f.invoice(companyId, await f.person({ email: 'made@example.com' }));
    const worker = await h.startWorker();
    try {
      const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
      const workflowId = res.json.results[0].workflowId;
      await h.client.workflow.getHandle(workflowId).terminate('bookkeeping gave up');
      const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${inv.id}`;
      await h.sql`INSERT INTO deliveries (workflow_id, tenant_id, invoice_id, method, recipient, send_request_id, state, external_id, delivered_at)
                  VALUES (${workflowId}, ${tenantId}, ${inv.id}, 'email', 'made@example.com', 'req', 'delivered', '<m@x>', now())`;
      await h.sql`UPDATE invoices SET pending_since = now() - interval '1 minute', pending_undo_until = now() - interval '6 minutes' WHERE id = ${inv.id}`;
      const r = await reconcilePending({ sql: h.sql, client: h.client, taskQueue: h.taskQueue }, { olderThanSeconds: 10 });
      expect(r.delivered).toBe(1);
    } finally {
      await worker.stop();
    }
    const [row] = await h.sql`SELECT status, pending_workflow_id, last_delivery FROM invoices WHERE id = ${inv.id}`;
    expect(row).toMatchObject({ status: 'sent', pending_workflow_id: null, last_delivery: { method: 'email', recipient: 'made@example.com' } });
    expect((await history(h, inv.id)).at(-1)).toMatchObject({ type: 'sent', message: 'Invoice sent by e-mail to made@example.com.' });
  });

  it('a send whose workflow was terminated by an operator is restored by the reconciler, with the reason', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 600 });
    const inv = await f.invoice(companyId, await f.person({ email: 'terminated@example.com' }));
    const worker = await h.startWorker();
    try {
      const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
      const handle = h.client.workflow.getHandle(res.json.results[0].workflowId);
      await handle.terminate('operator stopped it');
      // Within its undo window a send is left alone: it may still be undone, and it is pending anyway.
      await h.sql`UPDATE invoices SET pending_since = now() - interval '1 minute' WHERE id = ${inv.id}`;
      const waiting = await reconcilePending({ sql: h.sql, client: h.client, taskQueue: h.taskQueue }, { olderThanSeconds: 10 });
      expect(waiting.restored).toBe(0);
      await h.sql`UPDATE invoices SET pending_undo_until = now() - interval '6 minutes' WHERE id = ${inv.id}`;
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
