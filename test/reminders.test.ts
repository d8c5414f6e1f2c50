import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitForStatus } from './helpers/fixtures.js';
import { pdfText } from './helpers/pdf-text.js';
import { stockholmToday } from '../domain/dates.js';

const today = stockholmToday();

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

const remind = (invoiceIds: string[]) => h.request('POST', '/v1/invoices/send-reminders', { key, body: { invoiceIds } });
const row = async (id: string) => (await h.sql`SELECT * FROM invoices WHERE id = ${id}`)[0];
const state = async (id: string) => {
  const r = await row(id);
  return { status: r.status, reminderCount: r.reminder_count, reminderDate: r.reminder_date };
};
async function settle(res: { json: any }) {
  for (const r of res.json.results) if (r.accepted) await h.client.workflow.getHandle(r.workflowId).result().catch(() => undefined);
}

/** A company with reminders on, and a sent, overdue invoice. */
async function overdueInvoice(settings: Partial<Parameters<typeof f.company>[0]> = {}, person: Record<string, unknown> = {}) {
  const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true, ...settings });
  const inv = await f.invoice(companyId, await f.person(person), { issueDate: '2026-09-01', dueDate: '2026-10-01' });
  await h.sql`UPDATE invoices SET status = 'sent' WHERE id = ${inv.id}`;
  return { companyId, inv };
}

describe('sending reminders', () => {
  it('by e-mail: count +1 and date today at request, status pending → reminder, a reminder PDF, history', async () => {
    const { inv } = await overdueInvoice({ undoWindowSeconds: 1 }, { email: 'remind@example.com' });
    const res = await remind([inv.id]);
    expect(res.status).toBe(202);
    expect(res.json.results[0]).toMatchObject({ invoiceId: inv.id, accepted: true });
    const workflowId = res.json.results[0].workflowId;
    expect(workflowId).toMatch(/^remind-/);
    expect(await state(inv.id)).toEqual({ status: 'pending_send', reminderCount: 1, reminderDate: today });

    await waitForStatus(h, inv.id, 'reminder');
    expect(await state(inv.id)).toEqual({ status: 'reminder', reminderCount: 1, reminderDate: today });
    const entries = await history(h, inv.id);
    expect(entries.map((e) => e.type)).toEqual(['created', 'reminder_requested', 'reminder_sent']);
    expect(entries[2]).toMatchObject({ method: 'email', recipient: 'remind@example.com', workflow_id: workflowId });
    expect(entries[2].message).toBe('Reminder 1 sent by e-mail to remind@example.com.');
    expect(entries[1].message).toBe('Reminder 1 requested; waiting with an undo window of 1 s before delivery.');

    const mail = h.smtp.received.find((m) => m.messageId === `<${workflowId}@test.invoice-distribution.local>`)!;
    expect(mail.subject).toBe(`Påminnelse 1 för faktura ${inv.number} från Friskvården Gym AB`);
    const text = await pdfText(mail.attachments[0].content);
    expect(text).toContain('Påminnelse 1');
    expect(text).toContain(inv.number);
    expect(text).toContain('Ursprungligt förfallodatum 2026-10-01');
    expect(text).toContain('Förfallet belopp');
    expect(text).toContain('4 301,44 kr');
    expect(text).toContain(inv.ocr);
    expect(text).toContain('5050-1055');
    const [doc] = await h.sql`SELECT kind FROM documents WHERE workflow_id = ${workflowId}`;
    expect(doc.kind).toBe('reminder_pdf');
  });

  it('by central print: the standard template, a reminder manifest in the print drop', async () => {
    const { inv } = await overdueInvoice({ activeMethods: ['central_print'], defaultMethod: 'central_print' });
    const templateId = await f.template((await row(inv.id)).company_id, { name: 'English', language: 'en' });
    const res = await h.request('POST', '/v1/invoices/send-reminders', { key, body: { invoiceIds: [inv.id], templateId } });
    await settle(res);
    const workflowId = res.json.results[0].workflowId;
    expect(await state(inv.id)).toEqual({ status: 'reminder', reminderCount: 1, reminderDate: today });
    const dir = path.join(h.outboxDir, 'print');
    expect(await readdir(dir)).toEqual(expect.arrayContaining([`${workflowId}.json`, `${workflowId}.pdf`]));
    const manifest = JSON.parse(await readFile(path.join(dir, `${workflowId}.json`), 'utf8'));
    expect(manifest).toMatchObject({ documentType: 'reminder', invoiceNumber: inv.number, recipient: { name: 'Åsa Öberg' } });
    const text = await pdfText(await readFile(path.join(dir, `${workflowId}.pdf`)));
    expect(text).toContain('Påminnelse 1'); // standard (Swedish) template, not the chosen English one
    expect((await row(inv.id)).central_print_count).toBe(1);
  });

  it("a customer who wants e-invoices gets the reminder by the company default, and the history says why", async () => {
    const { inv } = await overdueInvoice({ activeMethods: ['email', 'e_invoice'], defaultMethod: 'email', linkInvoiceToOrganization: true });
    const orgId = await f.organization({ peppolId: '0007:5567321707', distributionMethod: 'e_invoice', invoiceEmail: 'faktura@bygg.example' });
    await h.sql`UPDATE invoices SET organization_id = ${orgId}, email = 'faktura@bygg.example' WHERE id = ${inv.id}`;
    await settle(await remind([inv.id]));
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'reminder_sent', method: 'email', recipient: 'faktura@bygg.example' });
    expect(last.message).toContain("e-invoice (Pagero) (the customer's chosen method): e-invoice (Pagero) cannot carry payment reminders");
  });

  it('no reminder-capable method eligible: status, count and date restored, reasons in reminder_failed', async () => {
    const { inv } = await overdueInvoice({ activeMethods: ['email', 'autogiro'], defaultMethod: 'email', fallbackMethod: 'autogiro' }, { email: null });
    await settle(await remind([inv.id]));
    expect(await state(inv.id)).toEqual({ status: 'sent', reminderCount: 0, reminderDate: null });
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'reminder_failed', error: 'no_eligible_method' });
    expect(last.message).toContain('the invoice has no e-mail address');
    expect(last.message).toContain('Autogiro cannot carry payment reminders');
    expect(last.message).toContain('The invoice is back to status "sent" with 0 reminders sent.');
  });
});

describe('failure after acceptance restores exactly', () => {
  it('SMTP refusing: a first reminder (date back to empty) and a second one (date back to the first reminder\'s date)', async () => {
    const { inv } = await overdueInvoice({}, { email: 'refuse-reminder@example.com' });
    h.smtp.state.refuse = true;
    try {
      await settle(await remind([inv.id]));
      expect(await state(inv.id)).toEqual({ status: 'sent', reminderCount: 0, reminderDate: null });
      expect((await history(h, inv.id)).at(-1)).toMatchObject({ type: 'reminder_failed', error: 'delivery_rejected' });
    } finally {
      h.smtp.state.refuse = false;
    }
    await settle(await remind([inv.id]));
    expect(await state(inv.id)).toEqual({ status: 'reminder', reminderCount: 1, reminderDate: today });
    await h.sql`UPDATE invoices SET reminder_date = '2026-10-15' WHERE id = ${inv.id}`; // the first reminder went out earlier

    h.smtp.state.refuse = true;
    try {
      await settle(await remind([inv.id]));
    } finally {
      h.smtp.state.refuse = false;
    }
    expect(await state(inv.id)).toEqual({ status: 'reminder', reminderCount: 1, reminderDate: '2026-10-15' });
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last.type).toBe('reminder_failed');
    expect(last.message).toContain('The reminder could not be sent: The e-mail server refused the message to refuse-reminder@example.com');
    expect(last.message).toMatch(/policy\. The invoice is back to status "reminder" with 1 reminder sent, the last on 2026-10-15\.$/);
  });

  it('credit inside the undo window: reminder undone, invoice credited, count and date restored', async () => {
    const { inv } = await overdueInvoice({ undoWindowSeconds: 600 });
    await h.sql`UPDATE invoices SET status = 'reminder', reminder_count = 1, reminder_date = '2026-10-20' WHERE id = ${inv.id}`;
    const res = await remind([inv.id]);
    expect(await state(inv.id)).toEqual({ status: 'pending_send', reminderCount: 2, reminderDate: today });
    const credit = await h.request('POST', `/v1/invoices/${inv.id}/credit`, { key, body: {} });
    expect(credit.json.undone).toBe(true);
    await settle(res);
    expect(await state(inv.id)).toEqual({ status: 'credited', reminderCount: 1, reminderDate: '2026-10-20' });
    expect((await history(h, inv.id)).at(-1)).toMatchObject({ type: 'send_undone' });
  });

  it('paid between request and delivery: not delivered, the history says why, count and date as before', async () => {
    const { inv } = await overdueInvoice({ undoWindowSeconds: 2 }, { email: 'paid-meanwhile@example.com' });
    const res = await remind([inv.id]);
    const paid = await h.request('POST', `/v1/invoices/${inv.id}/mark-paid`, { key, body: { paidAt: today } });
    expect(paid.status).toBe(200);
    expect(paid.json.status).toBe('paid');
    await settle(res);
    expect(await state(inv.id)).toEqual({ status: 'paid', reminderCount: 0, reminderDate: null });
    expect(h.smtp.received.some((m) => m.to && !Array.isArray(m.to) && m.to.text === 'paid-meanwhile@example.com')).toBe(false);
    const types = (await history(h, inv.id)).map((e) => e.type);
    expect(types).toEqual(['created', 'reminder_requested', 'paid', 'reminder_failed']);
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last.message).toBe('The reminder could not be sent: The invoice was paid before delivery, so it was not delivered.');
    // A paid invoice never gets a reminder.
    expect((await remind([inv.id])).json.results[0].error.code).toBe('invalid_status');
  });
});

describe('refusals at request time', () => {
  it('reminders turned off → reminders_disabled; not overdue → not_overdue; unsent → invalid_status; nothing changed', async () => {
    const { inv: disabled } = await overdueInvoice({ reminderDistribution: false });
    const { companyId } = await overdueInvoice();
    const notDue = await f.invoice(companyId, await f.person(), { issueDate: today, dueDate: '2099-01-31' });
    await h.sql`UPDATE invoices SET status = 'sent' WHERE id = ${notDue.id}`;
    const unsent = await f.invoice(companyId, await f.person(), { issueDate: '2026-09-01', dueDate: '2026-10-01' });
    const before = await h.sql`SELECT * FROM invoices ORDER BY id`;
    const beforeHistory = await h.sql`SELECT count(*)::int AS n FROM invoice_history`;

    const settings = await h.request('GET', `/v1/companies/${(await row(disabled.id)).company_id}/distribution-settings`, { key });
    expect(settings.json.canSendReminders).toBe(false);
    const res = await remind([disabled.id, notDue.id, unsent.id]);
    expect(res.json.results.map((r: any) => r.error.code)).toEqual(['reminders_disabled', 'not_overdue', 'invalid_status']);
    expect(await h.sql`SELECT * FROM invoices ORDER BY id`).toEqual(before);
    expect((await h.sql`SELECT count(*)::int AS n FROM invoice_history`)[0].n).toBe(beforeHistory[0].n);
  });

  it('two reminder requests for the same invoice at once: exactly one accepted', async () => {
    const { inv } = await overdueInvoice({ undoWindowSeconds: 600 });
    const [a, b] = await Promise.all([remind([inv.id]), remind([inv.id])]);
    const results = [a.json.results[0], b.json.results[0]];
    expect(results.filter((r) => r.accepted)).toHaveLength(1);
    expect(results.find((r) => !r.accepted).error.code).toBe('invalid_status');
    expect(await state(inv.id)).toEqual({ status: 'pending_send', reminderCount: 1, reminderDate: today });
  });
});

describe('the dunning list', () => {
  it('overdue sent or reminded invoices, most overdue first, with days overdue, paginated', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true });
    const personId = await f.person();
    const make = async (dueDate: string, status: string) => {
      const inv = await f.invoice(companyId, personId, { issueDate: '2026-01-01', dueDate });
      await h.sql`UPDATE invoices SET status = ${status} WHERE id = ${inv.id}`;
      return inv.id;
    };
    const mid = await make('2026-06-15', 'reminder');
    const oldest = await make('2026-03-01', 'sent');
    const newest = await make('2026-10-31', 'sent');
    await make('2026-02-01', 'paid');
    await make('2026-02-01', 'credited');
    await make('2026-02-01', 'unsent');
    await make('2099-01-01', 'sent');

    const page1 = await h.request('GET', `/v1/companies/${companyId}/dunning?limit=2`, { key });
    expect(page1.status).toBe(200);
    expect(page1.json.items.map((i: any) => i.id)).toEqual([oldest, mid]);
    const expectedDays = Math.round((Date.parse(today) - Date.parse('2026-03-01')) / 86_400_000);
    expect(page1.json.items[0]).toMatchObject({ daysOverdue: expectedDays, reminderCount: 0, reminderDate: null, status: 'sent' });
    const page2 = await h.request('GET', `/v1/companies/${companyId}/dunning?limit=2&cursor=${page1.json.nextCursor}`, { key });
    expect(page2.json.items.map((i: any) => i.id)).toEqual([newest]);
    expect(page2.json.nextCursor).toBeNull();

    const other = await h.createTenant('Other');
    expect((await h.request('GET', `/v1/companies/${companyId}/dunning`, { key: other })).status).toBe(404);
  });
});

describe('one invoice through send → reminder 1 → failed reminder 2 → reminder 2', () => {
  it('keeps an exact history', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true });
    const inv = await f.invoice(companyId, await f.person({ email: 'journey@example.com' }), { issueDate: '2026-09-01', dueDate: '2026-10-01' });
    await settle(await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } }));
    await settle(await remind([inv.id]));
    h.smtp.state.refuse = true;
    try {
      await settle(await remind([inv.id]));
    } finally {
      h.smtp.state.refuse = false;
    }
    expect(await state(inv.id)).toEqual({ status: 'reminder', reminderCount: 1, reminderDate: today });
    await settle(await remind([inv.id]));
    expect(await state(inv.id)).toEqual({ status: 'reminder', reminderCount: 2, reminderDate: today });
    const res = await h.request('GET', `/v1/invoices/${inv.id}/history`, { key });
    expect(res.json.items.map((e: any) => e.type)).toEqual([
      'created', 'send_requested', 'sent', 'reminder_requested', 'reminder_sent', 'reminder_requested', 'reminder_failed', 'reminder_requested', 'reminder_sent',
    ]);
    if (process.env.PRINT_JOURNEY) console.log(JSON.stringify(res.json.items, null, 2));
  });
});
