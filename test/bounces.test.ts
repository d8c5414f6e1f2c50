import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitFor, waitForStatus } from './helpers/fixtures.js';
import { startBounceListener } from '../platform/bounce-listener.js';
import { dsn } from './helpers/dsn.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

let listener: Awaited<ReturnType<typeof startBounceListener>>;
beforeAll(async () => {
  listener = await startBounceListener({ sql: h.sql, starter: h.starter }, { port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await listener?.close();
});

/** The remote side: sends the report from the null sender to the address the e-mail came from. */
async function bounceBack(envelopeTo: string, raw: string) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
  await transport.sendMail({ envelope: { from: '', to: [envelopeTo] }, raw });
  transport.close();
}

const inbound = (raw: string) =>
  h.request('POST', '/v1/inbound/bounces', { rawBody: raw, headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'message/rfc822' } });

async function sentByEmail(settings: { fallbackMethod: 'central_print' | null; bounceFallback?: boolean }, email: string) {
  const companyId = await f.company({
    activeMethods: settings.fallbackMethod ? ['email', settings.fallbackMethod] : ['email'],
    defaultMethod: 'email',
    fallbackMethod: settings.fallbackMethod,
    undoWindowSeconds: 0,
  } as never);
  if (settings.bounceFallback === false) {
    const s = (await h.request('GET', `/v1/companies/${companyId}/distribution-settings`, { key })).json;
    const { canSend: _a, canSendReminders: _b, ...rest } = s;
    expect((await h.request('PUT', `/v1/companies/${companyId}/distribution-settings`, { key, body: { ...rest, bounceFallback: false } })).json.bounceFallback).toBe(false);
  }
  const inv = await f.invoice(companyId, await f.person({ email }));
  const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
  await waitForStatus(h, inv.id, 'sent');
  const mail = h.smtp.received.find((m) => m.messageId === `<${res.json.results[0].workflowId}@test.invoice-distribution.local>`)!;
  return { inv, mail, workflowId: res.json.results[0].workflowId as string };
}

describe('bounced e-mails', () => {
  it('a hard bounce by SMTP: the history says why, the invoice goes out by central print, the same report twice acts once', async () => {
    const { inv, mail, workflowId } = await sentByEmail({ fallbackMethod: 'central_print' }, 'gone@example.com');
    // VERP: the envelope sender names this delivery.
    expect(mail.envelopeFrom).toBe(`bounces+${workflowId}@test.invoice-distribution.local`);
    const report = dsn({ to: mail.envelopeFrom!, recipient: 'gone@example.com', status: '5.1.1', diagnostic: '550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown', messageId: mail.messageId! });
    await bounceBack(mail.envelopeFrom!, report);
    await waitFor(async () => {
      const [row] = await h.sql`SELECT status, last_delivery FROM invoices WHERE id = ${inv.id}`;
      return row.status === 'sent' && row.last_delivery.method === 'central_print' ? row : null;
    }, { timeoutMs: 60_000, what: 'the invoice sent by central print' });
    await bounceBack(mail.envelopeFrom!, report); // the same report again
    expect((await inbound(report)).json).toEqual({ outcome: 'duplicate' });
    // The address is on the company's suppression list, once.
    expect(await h.sql`SELECT email, invoice_id FROM email_suppressions WHERE email = 'gone@example.com'`).toEqual([{ email: 'gone@example.com', invoice_id: inv.id }]);

    const entries = await history(h, inv.id);
    expect(entries.map((e) => e.type)).toEqual(['created', 'send_requested', 'sent', 'delivery_bounced', 'bounce_fallback', 'sent']);
    expect(entries[3]).toMatchObject({
      message: 'The invoice e-mail to gone@example.com bounced: 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown. It is sent again by central print.',
      error: '5.1.1',
    });
    expect(await h.sql`SELECT workflow_id FROM invoice_history WHERE invoice_id = ${inv.id} AND type = 'delivery_bounced'`).toEqual([{ workflow_id: workflowId }]);
    expect(entries[4].message).toBe('Sending the invoice again by central print, because the e-mail to gone@example.com bounced.');
    expect(entries[5]).toMatchObject({ method: 'central_print' });
    // Never e-mail again, and one fallback only.
    expect(h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === 'gone@example.com')).toHaveLength(1);
    expect(await h.sql`SELECT method FROM deliveries WHERE invoice_id = ${inv.id} ORDER BY created_at`).toEqual([{ method: 'email' }, { method: 'central_print' }]);
    // The feed shows a transaction's events once every older transaction of the cluster has ended
    // (db/events.ts), and other test files share the server: read it until the fallback is there.
    const mine = await waitFor(async () => {
      const items = (await h.request('GET', '/v1/events?type=invoice.delivery_bounced,invoice.bounce_fallback', { key })).json.items
        .filter((e: any) => e.invoiceId === inv.id);
      return items.some((e: any) => e.type === 'invoice.bounce_fallback') ? items : null;
    }, { timeoutMs: 30_000, what: 'the bounce events in the feed' });
    expect(mine.filter((e: any) => e.type === 'invoice.delivery_bounced')).toHaveLength(1);
    // Each run counts its own send once: the e-mail's run, and the fallback's run named by its event.
    const [fallbackEvent] = mine.filter((e: any) => e.type === 'invoice.bounce_fallback');
    const [emailRun] = await h.sql`SELECT run_id FROM send_run_items WHERE workflow_id = ${workflowId}`;
    expect(fallbackEvent.runId).not.toBe(emailRun.run_id);
    for (const runId of [emailRun.run_id, fallbackEvent.runId]) {
      expect((await h.request('GET', `/v1/send-runs/${runId}`, { key })).json).toMatchObject({ accepted: 1, sent: 1, failed: 0, pending: 0 });
    }
  });

  it('a bounced reminder goes out by the reminder-capable fallback, with its count unchanged', async () => {
    const companyId = await f.company({ activeMethods: ['email', 'central_print'], defaultMethod: 'email', fallbackMethod: 'central_print', undoWindowSeconds: 0, reminderDistribution: true } as never);
    const inv = await f.invoice(companyId, await f.person({ email: 'late@example.com' }), { issueDate: '2026-09-01', dueDate: '2026-10-01' });
    await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    await waitForStatus(h, inv.id, 'sent');
    const res = await h.request('POST', '/v1/invoices/send-reminders', { key, body: { invoiceIds: [inv.id] } });
    const wf = res.json.results[0].workflowId as string;
    await waitForStatus(h, inv.id, 'reminder');
    const mail = h.smtp.received.find((m) => m.messageId === `<${wf}@test.invoice-distribution.local>`)!;
    await bounceBack(mail.envelopeFrom!, dsn({ to: mail.envelopeFrom!, recipient: 'late@example.com', status: '5.2.1', diagnostic: '550 5.2.1 Mailbox disabled', messageId: mail.messageId! }));
    const row = await waitFor(async () => {
      const [r] = await h.sql`SELECT status, reminder_count, last_delivery FROM invoices WHERE id = ${inv.id}`;
      return r.status === 'reminder' && r.last_delivery.method === 'central_print' ? r : null;
    }, { timeoutMs: 60_000, what: 'the reminder by central print' });
    expect(row.reminder_count).toBe(1);
    expect((await history(h, inv.id)).slice(-3).map((e) => e.type)).toEqual(['delivery_bounced', 'bounce_fallback', 'reminder_sent']);
  });

  it('a soft bounce is only recorded; no fallback, turned off or none active, says so; garbage and strangers are dropped', async () => {
    const soft = await sentByEmail({ fallbackMethod: 'central_print' }, 'full@example.com');
    const softReport = dsn({ to: soft.mail.envelopeFrom!, recipient: 'full@example.com', status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full', messageId: soft.mail.messageId! });
    expect((await inbound(softReport)).json).toEqual({ outcome: 'delayed' });
    expect((await history(h, soft.inv.id)).at(-1)).toMatchObject({ type: 'delivery_delayed', error: '4.2.2' });
    expect((await h.sql`SELECT status FROM invoices WHERE id = ${soft.inv.id}`)[0].status).toBe('sent');
    expect(await h.sql`SELECT 1 FROM email_suppressions WHERE email = 'full@example.com'`).toEqual([]); // a soft bounce lists nothing

    const none = await sentByEmail({ fallbackMethod: null }, 'none@example.com');
    await inbound(dsn({ to: none.mail.envelopeFrom!, recipient: 'none@example.com', status: '5.1.1', diagnostic: '550 5.1.1 unknown', messageId: none.mail.messageId! }));
    expect((await history(h, none.inv.id)).at(-1)!.message).toBe('The invoice e-mail to none@example.com bounced: 550 5.1.1 unknown. No fallback method is active that can take the invoice, so it was not sent another way.');

    const off = await sentByEmail({ fallbackMethod: 'central_print', bounceFallback: false }, 'off@example.com');
    await inbound(dsn({ to: off.mail.envelopeFrom!, recipient: 'off@example.com', status: '5.1.1', diagnostic: '550 5.1.1 unknown', messageId: off.mail.messageId! }));
    expect((await history(h, off.inv.id)).at(-1)!.message).toContain('Sending again after a bounce is turned off for this company.');
    expect((await h.sql`SELECT status, pending_workflow_id FROM invoices WHERE id = ${off.inv.id}`)[0]).toEqual({ status: 'sent', pending_workflow_id: null });

    const before = await h.sql`SELECT count(*)::int AS n FROM invoice_history`;
    expect((await inbound('this is not an e-mail at all')).json).toEqual({ outcome: 'malformed' });
    expect((await inbound(dsn({ to: 'bounces+send-inv_nothing-01X@test.invoice-distribution.local', recipient: 'x@example.com', status: '5.1.1', diagnostic: '550', messageId: '<nothing@x>' }))).json).toEqual({ outcome: 'unmatched' });
    expect(await h.sql`SELECT count(*)::int AS n FROM invoice_history`).toEqual(before);
    // Only the admin token posts reports; only VERP addresses take mail by SMTP.
    expect((await h.request('POST', '/v1/inbound/bounces', { rawBody: softReport, key, headers: { 'content-type': 'message/rfc822' } })).status).toBe(401);
    await expect(bounceBack('postmaster@test.invoice-distribution.local', softReport)).rejects.toThrow(/550/);
  });
});
