// The reconciler starts a pending send whose workflow is gone from the send's own facts: a send
// that asked for a method goes by that method, never by the customer's instead.
import { describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitFor, waitForStatus } from './helpers/fixtures.js';
import { requestSends } from '../services/request-sends.js';
import { reconcilePending } from '../services/reconcile-pending.js';
import { SendStarter } from '../services/send-starter.js';

let h: Harness;
let f: TestService['f'];
useTestService((s) => ({ h, f } = s));

/** Pending since long before, its window passed long ago: what the reconciler looks at. */
const backdatePending = (invoiceId: string) =>
  h.sql`UPDATE invoices SET pending_since = now() - interval '10 minutes', pending_undo_until = now() - interval '10 minutes' WHERE id = ${invoiceId}`;

describe('the reconciler', () => {
  it('starts a pending send whose workflow is gone with the method its request asked for', async () => {
    const companyId = await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'email', undoWindowSeconds: 0 });
    const inv = await f.invoice(companyId, await f.person({ email: 'wants-email@example.com', distributionMethod: 'email' }));
    const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${inv.id}`;
    // Accepted and recorded, but its workflow never ran: every start fails (a namespace that does not exist).
    const broken = new Client({ connection: h.client.connection, namespace: 'namespace-that-does-not-exist' });
    const starter = new SendStarter({ sql: h.sql, client: broken, taskQueue: h.taskQueue });
    const { results: [result] } = await requestSends({ sql: h.sql, starter }, tenantId, {
      invoiceIds: [inv.id], templateId: null, kind: 'invoice', method: 'own_printer',
    });
    await starter.drain();
    expect(result.accepted).toBe(true);
    const workflowId = (result as { workflowId: string }).workflowId;
    await expect(h.client.workflow.getHandle(workflowId).describe()).rejects.toThrow();
    expect((await h.sql`SELECT input->>'requestedMethod' AS m FROM send_run_items WHERE workflow_id = ${workflowId}`)[0].m).toBe('own_printer');
    // Its item counts as started (the server's history of it is lost), and its window passed long ago:
    // the reconciler starts it from the invoice's pending send.
    await h.sql`UPDATE send_run_items SET started = true WHERE workflow_id = ${workflowId}`;
    await backdatePending(inv.id);

    const r = await reconcilePending({ sql: h.sql, client: h.client, taskQueue: h.taskQueue }, { olderThanSeconds: 10 });
    // Not listed as running by the server, it was asked about on its own, and started.
    expect(r).toMatchObject({ started: 1, probed: 1 });
    await waitForStatus(h, inv.id, 'sent', 60_000);
    expect(await h.sql`SELECT method FROM deliveries WHERE workflow_id = ${workflowId}`).toEqual([{ method: 'own_printer' }]);
    const sent = (await history(h, inv.id)).at(-1)!;
    expect(sent).toMatchObject({ type: 'sent', method: 'own_printer', workflow_id: workflowId });
    expect(sent.message).toContain('The method was chosen in the send request');
    expect(h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === 'wants-email@example.com')).toHaveLength(0);
  });

  it('leaves a send whose workflow the server lists as running, without asking about it on its own', async () => {
    // A long window held by the server: its workflow runs (waiting for the window) while the
    // invoice, pending past the threshold, looks like a send that never finished.
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 3600 });
    const inv = await f.invoice(companyId, await f.person({ email: 'still-waiting@example.com' }));
    const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${inv.id}`;
    const { results: [result] } = await requestSends({ sql: h.sql, starter: h.starter }, tenantId, { invoiceIds: [inv.id], templateId: null, kind: 'invoice' });
    await h.starter.drain();
    const workflowId = (result as { workflowId: string }).workflowId;
    await backdatePending(inv.id);
    // Visibility lists a run shortly after its start.
    await waitFor(async () => (await h.client.workflow.count(`WorkflowId = '${workflowId}'`)).count > 0, { what: 'the run in visibility', intervalMs: 200 });

    const r = await reconcilePending({ sql: h.sql, client: h.client, taskQueue: h.taskQueue }, { olderThanSeconds: 10 });
    expect(r).toMatchObject({ started: 0, running: 1, probed: 0, restored: 0, delivered: 0 });
    expect((await h.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    expect((await h.sql`SELECT status, pending_workflow_id FROM invoices WHERE id = ${inv.id}`)[0]).toEqual({ status: 'pending_send', pending_workflow_id: workflowId });
  });
});
