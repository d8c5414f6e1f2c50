import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { MAIL_FROM, type Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitFor, waitForStatus } from './helpers/fixtures.js';
import { pdfText } from './helpers/pdf-text.js';
import { DeliveryMethodKey, DeliveryOutcomeKey, InvoiceNumberKey } from '../workflows/search-attributes.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

const send = (invoiceIds: string[], templateId?: string) =>
  h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds, ...(templateId ? { templateId } : {}) } });

describe('sending an invoice by e-mail', () => {
  it('delivers the PDF over SMTP, marks the invoice sent and writes when, to whom and how', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 1 });
    const templateId = await f.template(companyId, { name: 'English', language: 'en', footerText: 'Thanks for training with us' });
    const personId = await f.person({ name: 'Åsa Öberg', email: 'asa@example.com', invoiceEmail: 'asa.faktura@example.com' });
    const inv = await f.invoice(companyId, personId);
    expect(inv.email).toBe('asa.faktura@example.com');

    const res = await send([inv.id], templateId);
    expect(res.status).toBe(202);
    expect(res.json.results).toEqual([{ invoiceId: inv.id, accepted: true, workflowId: expect.stringMatching(/^send-/) }]);
    const workflowId = res.json.results[0].workflowId;

    const [pending] = await h.sql`SELECT status, pending_workflow_id, previous_status FROM invoices WHERE id = ${inv.id}`;
    expect(pending).toMatchObject({ status: 'pending_send', pending_workflow_id: workflowId, previous_status: 'unsent' });

    const sent = await waitForStatus(h, inv.id, 'sent');
    expect(sent.pending_workflow_id).toBeNull();
    expect(sent.last_delivery).toMatchObject({ method: 'email', recipient: 'asa.faktura@example.com' });

    const mails = h.smtp.received.filter((m) => m.messageId === `<${workflowId}@test.invoice-distribution.local>`);
    expect(mails).toHaveLength(1);
    const mail = mails[0];
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('asa.faktura@example.com');
    expect(mail.from?.value[0].address).toBe(MAIL_FROM);
    expect(mail.subject).toBe(`Invoice ${inv.number} from Friskvården Gym AB`);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0].contentType).toBe('application/pdf');
    const text = await pdfText(mail.attachments[0].content);
    expect(text).toContain(inv.number);
    expect(text).toContain(inv.ocr);
    expect(text).toContain('SEK 4,301.44'); // 3999.00 + 6 % + 50.00 + 25 %
    expect(text).toContain('5050-1055');
    expect(text).toContain('Thanks for training with us');

    const entries = await history(h, inv.id);
    expect(entries.map((e) => e.type)).toEqual(['created', 'send_requested', 'sent']);
    expect(entries[2]).toMatchObject({ method: 'email', recipient: 'asa.faktura@example.com', workflow_id: workflowId });
    expect(entries[2].message).toBe('Invoice sent by e-mail to asa.faktura@example.com.');

    const api = await h.request('GET', `/v1/invoices/${inv.id}/history`, { key });
    expect(api.json.items.at(-1)).toMatchObject({ type: 'sent', method: 'email', recipient: 'asa.faktura@example.com', workflowId });

    const docs = await h.request('GET', `/v1/invoices/${inv.id}/documents`, { key });
    expect(docs.json.items).toEqual([expect.objectContaining({ kind: 'invoice_pdf', contentType: 'application/pdf' })]);
    const doc = await h.request('GET', `/v1/documents/${docs.json.items[0].id}`, { key });
    expect(doc.status).toBe(200);
    expect(doc.headers.get('content-type')).toBe('application/pdf');

    // Operators find the run by invoice number in the Web UI: the server's visibility answers the same query.
    const handle = h.client.workflow.getHandle(workflowId);
    await handle.result();
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get(InvoiceNumberKey)).toBe(inv.number);
    expect(description.typedSearchAttributes.get(DeliveryOutcomeKey)).toBe('sent');
    expect(description.typedSearchAttributes.get(DeliveryMethodKey)).toBe('email');
    const found = await waitFor(async () => {
      const ids: string[] = [];
      for await (const w of h.client.workflow.list({ query: `InvoiceNumber = "${inv.number}" AND TaskQueue = "${h.taskQueue}"` })) ids.push(w.workflowId);
      return ids.length ? ids : null;
    }, { what: 'visibility to list the run' });
    expect(found).toEqual([workflowId]);
  });

  it('sends a sent invoice again (the customer lost it), and refuses one already pending', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
    const inv = await f.invoice(companyId, await f.person({ email: 'again@example.com' }));
    await send([inv.id]);
    await waitForStatus(h, inv.id, 'sent');
    const second = await send([inv.id]);
    expect(second.json.results[0].accepted).toBe(true);
    await waitFor(async () => (await history(h, inv.id)).filter((e) => e.type === 'sent').length === 2, { what: 'second delivery' });
    expect(h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === 'again@example.com')).toHaveLength(2);

    await h.sql`UPDATE companies SET undo_window_seconds = 600 WHERE id = ${companyId}`;
    const third = await send([inv.id]);
    expect(third.json.results[0].accepted).toBe(true);
    const fourth = await send([inv.id]);
    expect(fourth.json.results[0]).toEqual({
      invoiceId: inv.id,
      accepted: false,
      error: { code: 'invalid_status', message: 'The invoice is already waiting to be sent.' },
    });
    const [row] = await h.sql`SELECT pending_workflow_id FROM invoices WHERE id = ${inv.id}`;
    expect(row.pending_workflow_id).toBe(third.json.results[0].workflowId);
  });
});

describe('undo by crediting', () => {
  it('credit inside the undo window cancels delivery: nothing sent, status credited, history send_undone', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 600 });
    const inv = await f.invoice(companyId, await f.person({ email: 'undo@example.com' }));
    const res = await send([inv.id]);
    const workflowId = res.json.results[0].workflowId;

    const credit = await h.request('POST', `/v1/invoices/${inv.id}/credit`, { key, body: { reason: 'Wrong amount' } });
    expect(credit.status).toBe(200);
    expect(credit.json.undone).toBe(true);
    expect(credit.json.invoice.status).toBe('credited');
    expect(credit.json.invoice.pendingWorkflowId).toBeNull();

    const result = await h.client.workflow.getHandle(workflowId).result();
    expect(result.outcome).toBe('undone');
    const types = (await history(h, inv.id)).map((e) => e.type);
    expect(types).toEqual(['created', 'send_requested', 'send_undone']);
    expect(h.smtp.received.some((m) => m.to && !Array.isArray(m.to) && m.to.text === 'undo@example.com')).toBe(false);
    expect(await h.sql`SELECT 1 FROM documents WHERE invoice_id = ${inv.id}`).toHaveLength(0);

    const again = await h.request('POST', `/v1/invoices/${inv.id}/credit`, { key, body: {} });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
  });

  it('the credit signal from an event source undoes the send too (seen when the server-held window ends)', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 3 });
    const inv = await f.invoice(companyId, await f.person({ email: 'signal@example.com' }));
    const workflowId = (await send([inv.id])).json.results[0].workflowId;
    await h.client.workflow.getHandle(workflowId).signal('credit', { reason: 'credit note 77' });
    await waitForStatus(h, inv.id, 'credited');
    const entries = await history(h, inv.id);
    expect(entries.at(-1)).toMatchObject({ type: 'send_undone' });
    expect(entries.at(-1)!.message).toContain('credit note 77');
    expect(h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === 'signal@example.com')).toHaveLength(0);
  });

  it('credit after delivery credits the invoice but reports undone: false', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
    const inv = await f.invoice(companyId, await f.person({ email: 'late@example.com' }));
    await send([inv.id]);
    await waitForStatus(h, inv.id, 'sent');
    const credit = await h.request('POST', `/v1/invoices/${inv.id}/credit`, { key, body: {} });
    expect(credit.status).toBe(200);
    expect(credit.json).toMatchObject({ undone: false, invoice: { status: 'credited' } });
    expect((await history(h, inv.id)).map((e) => e.type)).toEqual(['created', 'send_requested', 'sent', 'credited']);
    expect(h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === 'late@example.com')).toHaveLength(1);
  });
});

describe('an SMTP server that is temporarily unavailable', () => {
  it('is retried with backoff: the invoice is sent once, and nothing is sent twice', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
    const inv = await f.invoice(companyId, await f.person({ email: 'later@example.com' }));
    h.smtp.state.temporaryFailures = 2;
    const workflowId = (await send([inv.id])).json.results[0].workflowId;
    await h.client.workflow.getHandle(workflowId).result();
    expect(h.smtp.state.temporaryFailures).toBe(0);
    expect((await waitForStatus(h, inv.id, 'sent')).last_delivery.recipient).toBe('later@example.com');
    expect(h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === 'later@example.com')).toHaveLength(1);
    expect((await history(h, inv.id)).map((e) => e.type)).toEqual(['created', 'send_requested', 'sent']);
  });
});

describe('an SMTP server refusing every message', () => {
  for (const from of ['unsent', 'sent'] as const) {
    it(`restores the exact previous status (${from}) and writes send_failed with the reason`, async () => {
      const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
      const inv = await f.invoice(companyId, await f.person({ email: `refused-${from}@example.com` }));
      if (from === 'sent') {
        await send([inv.id]);
        await waitForStatus(h, inv.id, 'sent');
      }
      const [before] = await h.sql`SELECT status, last_delivery, reminder_count, reminder_date FROM invoices WHERE id = ${inv.id}`;
      h.smtp.state.refuse = true;
      try {
        const workflowId = (await send([inv.id])).json.results[0].workflowId;
        const err = await h.client.workflow.getHandle(workflowId).result().catch((e) => e);
        expect(err).toBeInstanceOf(WorkflowFailedError);
      } finally {
        h.smtp.state.refuse = false;
      }
      const [after] = await h.sql`SELECT status, last_delivery, reminder_count, reminder_date, pending_workflow_id, previous_status FROM invoices WHERE id = ${inv.id}`;
      expect(after).toEqual({ ...before, pending_workflow_id: null, previous_status: null });
      expect(after.status).toBe(from);
      const failed = (await history(h, inv.id)).at(-1)!;
      expect(failed.type).toBe('send_failed');
      expect(failed.error).toBe('delivery_rejected');
      expect(failed.message).toContain(`The e-mail server refused the message to refused-${from}@example.com`);
      expect(failed.message).toContain('550');
      expect(failed.message).toContain(`back to status "${from}"`);
    });
  }
});

describe('no header injection from customer data', () => {
  it('line breaks in names and subjects never become headers; one message, one recipient', async () => {
    const { createEmailChannel } = await import('../channels/email.js');
    const channel = createEmailChannel({ smtpUrl: h.smtp.url, outboxDir: h.outboxDir });
    const messageId = '<header-injection-test@test.invoice-distribution.local>';
    await channel.send({
      from: { name: 'Evil Gym\r\nBcc: victim@example.com', address: MAIL_FROM },
      replyTo: null,
      to: 'customer@example.com',
      subject: 'Faktura 1\r\nBcc: victim2@example.com\r\nX-Injected: yes',
      text: 'hello',
      attachment: { filename: 'faktura\r\nX-Evil: 1.pdf', content: Buffer.from('%PDF-1.4') },
      messageId,
    });
    const mail = await waitFor(async () => h.smtp.received.find((m) => m.messageId === messageId));
    expect(mail.bcc).toBeUndefined();
    expect(mail.headers.has('x-injected')).toBe(false);
    expect(mail.headers.has('x-evil')).toBe(false);
    expect(mail.subject).toBe('Faktura 1 Bcc: victim2@example.com X-Injected: yes');
    expect(h.smtp.received.filter((m) => m.messageId === messageId)).toHaveLength(1);
  });

  it('company and customer names with line breaks are refused at the API', async () => {
    const res = await h.request('POST', '/v1/persons', { key, body: { name: 'Åsa\r\nBcc: x@example.com' } });
    expect(res.status).toBe(422);
    expect(res.json.errors[0]).toMatchObject({ path: 'name', message: 'must be a single line' });
  });
});
