import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history } from './helpers/fixtures.js';
import { connect } from '../db/client.js';
import { createEmailChannel } from '../channels/email.js';
import { deliverEmail } from '../activities/deliver-email.js';
import { sendDocument, type Channel } from '../activities/send-document.js';
import { SendCache } from '../activities/send-cache.js';
import { DeliveryInProgress } from '../activities/delivery-claim.js';
import type { SendRef } from '../domain/send.js';
import type { Method } from '../domain/methods.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

/** A worker process of its own: its own database pool, SMTP pool and cache, delivering e-mail only. */
function workerProcess() {
  const sql = connect(h.databaseUrl, { max: 4 });
  const deps = { ...h.activityDeps, sql, cache: new SendCache(), email: createEmailChannel({ smtpUrl: h.smtp.url, outboxDir: '/nonexistent' }) };
  const email: Channel = (input) => deliverEmail(deps, input);
  const channels = { email } as Record<Method, Channel>;
  return {
    attempt: (ref: SendRef, retry: boolean) => sendDocument({ ...deps, channels }, ref, { retry }),
    close: () => sql.end(),
  };
}

describe('two attempts of one send at once', () => {
  it('while the first waits for the SMTP server’s 250, a retry on another worker sends nothing; the next retry finds it delivered', async () => {
    // A long undo window keeps the send's own workflow asleep: the attempts here are the only ones.
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 3600 });
    const inv = await f.invoice(companyId, await f.person({ email: 'twice@example.com' }));
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    const workflowId = res.json.results[0].workflowId as string;
    const [row] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${inv.id}`;
    const ref: SendRef = { tenantId: row.tenant_id, invoiceId: inv.id, workflowId, kind: 'invoice', templateId: null, requestId: res.json.runId };
    const mine = () => h.smtp.received.filter((m) => m.messageId === `<${workflowId}@test.invoice-distribution.local>`);

    // The SMTP server holds its answer to the first message until told.
    let arrived!: () => void;
    const dataIn = new Promise<void>((r) => (arrived = r));
    let answer!: () => void;
    const held = new Promise<void>((r) => (answer = r));
    let first = true;
    h.smtp.state.beforeAccept = async () => {
      if (!first) return;
      first = false;
      arrived();
      await held;
    };
    const a = workerProcess();
    const b = workerProcess();
    try {
      const attempt1 = a.attempt(ref, false);
      await dataIn;
      // Temporal has given up on the first attempt's heartbeat and runs the next on another worker.
      const second = await b.attempt(ref, true).catch((e) => e);
      expect(second).toMatchObject({ type: DeliveryInProgress, nonRetryable: false });
      answer();
      expect(await attempt1).toMatchObject({ outcome: 'sent', method: 'email' });
      // The attempt after that finds the e-mail delivered and sends nothing.
      expect(await b.attempt(ref, true)).toMatchObject({ outcome: 'sent', method: 'email' });
    } finally {
      h.smtp.state.beforeAccept = null;
      answer();
      await Promise.all([a.close(), b.close()]);
    }
    expect(mine()).toHaveLength(1);
    expect(await h.sql`SELECT state, claimed_by FROM deliveries WHERE workflow_id = ${workflowId}`).toEqual([{ state: 'delivered', claimed_by: null }]);
    expect((await history(h, inv.id)).filter((e) => e.type === 'sent')).toHaveLength(1);
  });

  it('a claim whose worker died runs out, and the next attempt delivers; a failed attempt gives its claim up at once', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 3600 });
    const inv = await f.invoice(companyId, await f.person({ email: 'orphan@example.com' }));
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    const workflowId = res.json.results[0].workflowId as string;
    const [row] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${inv.id}`;
    const ref: SendRef = { tenantId: row.tenant_id, invoiceId: inv.id, workflowId, kind: 'invoice', templateId: null, requestId: res.json.runId };
    const w = workerProcess();
    try {
      // The SMTP server answers 451 once: the attempt fails and leaves no claim behind.
      h.smtp.state.temporaryFailures = 1;
      await expect(w.attempt(ref, false)).rejects.toMatchObject({ responseCode: 451 });
      expect(await h.sql`SELECT state, claimed_by FROM deliveries WHERE workflow_id = ${workflowId}`).toEqual([{ state: 'started', claimed_by: null }]);
      // A worker killed mid-send leaves its claim; once its lease has run out, a retry takes over.
      await h.sql`UPDATE deliveries SET claimed_by = 'dead-worker', claimed_until = now() + interval '1 hour' WHERE workflow_id = ${workflowId}`;
      await expect(w.attempt(ref, true)).rejects.toMatchObject({ type: DeliveryInProgress });
      await h.sql`UPDATE deliveries SET claimed_until = now() - interval '1 second' WHERE workflow_id = ${workflowId}`;
      expect(await w.attempt(ref, true)).toMatchObject({ outcome: 'sent' });
    } finally {
      await w.close();
    }
    expect(h.smtp.received.filter((m) => m.messageId === `<${workflowId}@test.invoice-distribution.local>`)).toHaveLength(1);
  });
});
