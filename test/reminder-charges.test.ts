import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitFor } from './helpers/fixtures.js';
import { bgmaxFile } from './helpers/bank-file-builder.js';
import { pdfText } from './helpers/pdf-text.js';
import { stockholmToday } from '../domain/dates.js';
import { nextBankDay } from '../domain/bank-days.js';
import { reminderCharges } from '../domain/reminder-charges.js';

const today = stockholmToday();
const daysSince = (iso: string) => Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${iso}T00:00:00Z`)) / 86_400_000);
const plusDays = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
/** Folds all white space (the amounts' non-breaking spaces too), as pdfText does. */
const fold = (s: string) => s.replace(/\s+/g, ' ');

describe('reminder fee and late-payment interest (the rule)', () => {
  const base = { principal: 430144, feeSetting: 6000, feeAlreadyCharged: null, lateInterest: { mode: 'reference_plus_8' as const, referenceRatePercent: 2, referenceRateDate: '2026-07-01' } };
  it.each([
    // due date, reminder date, fee setting, carried fee, reference rate → fee, interest days, interest, total, reminder due date
    ['2026-10-01', '2026-11-01', 6000, null, 2, 6000, 31, 3653, 439797, '2026-11-11'],
    // Due on a Saturday: due on Monday 5 October, so interest runs from then.
    ['2026-10-03', '2026-11-01', 6000, null, 2, 6000, 27, 3182, 439326, '2026-11-11'],
    // A second reminder carries the fee the first charged (60 kr once per invoice), with interest to its own date.
    ['2026-10-01', '2026-12-01', 6000, 6000, 2, 6000, 61, 7189, 443333, '2026-12-11'],
    // Reminded on the due date itself: no interest yet. Due date ten days on is Christmas eve → 28 December.
    ['2026-12-14', '2026-12-14', 2500, null, 2, 2500, 0, 0, 432644, '2026-12-28'],
    // A reference rate of 4.5 %: 12.5 % a year.
    ['2026-10-01', '2026-10-11', 0, null, 4.5, 0, 10, 1473, 431617, '2026-10-21'],
  ] as const)('due %s, reminded %s, fee %i (carried %s), reference rate %d percent → fee %i, %i days, interest %i, total %i, pay by %s',
    (dueDate, reminderDate, feeSetting, carried, ref, fee, days, interest, total, payBy) => {
      const c = reminderCharges({ ...base, invoiceDueDate: dueDate, reminderDate, feeSetting, feeAlreadyCharged: carried, lateInterest: { ...base.lateInterest, referenceRatePercent: ref } });
      expect(c).toMatchObject({ principal: 430144, fee, interestDays: days, interest, total, dueDate: payBy, interestRatePercent: ref + 8 });
    });

  it('no interest when the company charges none; the fee never above 60 kr; nothing below zero', () => {
    const c = reminderCharges({ ...base, invoiceDueDate: '2026-10-01', reminderDate: '2026-11-01', feeSetting: 9000, lateInterest: { mode: 'none', referenceRatePercent: null, referenceRateDate: null } });
    expect(c).toMatchObject({ fee: 6000, interest: 0, interestDays: 0, interestRatePercent: 0, total: 436144, referenceRateDate: null });
    expect(reminderCharges({ ...base, principal: -500, invoiceDueDate: '2026-10-01', reminderDate: '2026-11-01' }).principal).toBe(0);
  });
});

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

const FEES = { reminderFee: 6000, lateInterest: { mode: 'reference_plus_8', referenceRatePercent: 2, referenceRateDate: '2026-07-01' } };

async function remind(invoiceIds: string[]) {
  const res = await h.request('POST', '/v1/invoices/send-reminders', { key, body: { invoiceIds } });
  expect(res.status).toBe(202);
  for (const r of res.json.results) if (r.accepted) await h.client.workflow.getHandle(r.workflowId).result().catch(() => undefined);
  return res.json.results as { accepted: boolean; workflowId: string }[];
}
const row = async (id: string) => (await h.sql`SELECT * FROM invoices WHERE id = ${id}`)[0];

describe('reminder settings through the API', () => {
  it('refuses a fee above 60 kr and interest without its reference rate, changing nothing; saves and shows valid ones', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true });
    const put = (body: Record<string, unknown>) => h.request('PUT', `/v1/companies/${companyId}/distribution-settings`, {
      key, body: { activeMethods: ['email'], defaultMethod: 'email', fallbackMethod: null, reminderDistribution: true, undoWindowSeconds: 0, linkInvoiceToOrganization: false, ...body },
    });
    const tooHigh = await put({ reminderFee: 6001 });
    expect(tooHigh.status).toBe(422);
    expect(tooHigh.json.errors).toEqual([{ path: 'reminderFee', message: 'must be at most 6000 öre (60 kr, the statutory maximum for a reminder)' }]);
    const noRate = await put({ lateInterest: { mode: 'reference_plus_8' } });
    expect(noRate.status).toBe(422);
    expect(noRate.json.errors.map((e: { path: string }) => e.path)).toEqual(['lateInterest.referenceRatePercent', 'lateInterest.referenceRateDate']);
    const [unchanged] = await h.sql`SELECT reminder_fee, late_interest_mode, combine_envelopes FROM companies WHERE id = ${companyId}`;
    expect(unchanged).toEqual({ reminder_fee: 0, late_interest_mode: 'none', combine_envelopes: true });

    const saved = await put({ ...FEES, combineEnvelopes: false });
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({ ...FEES, combineEnvelopes: false });
    const got = await h.request('GET', `/v1/companies/${companyId}/distribution-settings`, { key });
    expect(got.json).toMatchObject({ reminderFee: 6000, lateInterest: { mode: 'reference_plus_8', referenceRatePercent: 2, referenceRateDate: '2026-07-01' }, combineEnvelopes: false });
    // Leaving the new fields out keeps them.
    expect((await put({})).json).toMatchObject({ ...FEES, combineEnvelopes: false });
  });
});

describe('a reminder with fee and interest', () => {
  it('stores them on the reminder, shows them in the PDF and the e-mail with the same OCR, and gives them back when a later reminder fails', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true, ...FEES });
    const inv = await f.invoice(companyId, await f.person({ email: 'sen.betalare@example.com' }), { issueDate: '2026-09-01', dueDate: '2026-10-01' });
    await h.sql`UPDATE invoices SET status = 'sent' WHERE id = ${inv.id}`;

    const [first] = await remind([inv.id]);
    const days = daysSince('2026-10-01');
    const interest = Math.round((430144 * 10 * days) / 36500);
    const total = 430144 + 6000 + interest;
    const payBy = nextBankDay(plusDays(today, 10));
    const expected = { principal: 430144, fee: 6000, interest, interestDays: days, interestRatePercent: 10, referenceRateDate: '2026-07-01', total, dueDate: payBy };
    const r = await row(inv.id);
    expect(r).toMatchObject({ status: 'reminder', reminder_count: 1, reminder_charges: expected });
    expect((await h.request('GET', `/v1/invoices/${inv.id}`, { key })).json.reminderCharges).toEqual(expected);

    const kr = (ore: number) => fold(new Intl.NumberFormat('sv-SE', { style: 'currency', currency: 'SEK' }).format(ore / 100));
    const mail = h.smtp.received.find((m) => m.messageId === `<${first.workflowId}@test.invoice-distribution.local>`)!;
    const pdf = await pdfText(mail.attachments[0].content);
    for (const part of [
      'Påminnelse 1', `Betala senast ${payBy}`, `Ursprungligt belopp ${kr(430144)}`, `Påminnelseavgift ${kr(6000)}`,
      'Dröjsmålsränta', `${days} dagar à 10,00 % (referensräntan 2,00 % per 2026-07-01 + 8 procentenheter)`, kr(interest),
      `Att betala ${kr(total)}`, inv.ocr,
    ]) expect(pdf).toContain(part);
    const text = fold(mail.text ?? '');
    expect(text).toContain(`Ursprungligt belopp: ${kr(430144)}`);
    expect(text).toContain(`Påminnelseavgift: ${kr(6000)}`);
    expect(text).toContain(`Dröjsmålsränta: ${kr(interest)}, ${days} dagar à 10,00 % (referensräntan 2,00 % per 2026-07-01 + 8 procentenheter)`);
    expect(text).toContain(`Att betala: ${kr(total)}`);
    expect(text).toContain(`OCR-nummer: ${inv.ocr}`);
    const requested = (await history(h, inv.id)).find((e) => e.type === 'reminder_requested')!;
    expect(fold(requested.message)).toBe(
      `Reminder 1 requested (reminder fee ${kr(6000)}; interest ${kr(interest)} for ${days} days at 10.00 %; ${kr(total)} to pay by ${payBy}); waiting with no undo window before delivery.`,
    );

    // A second reminder the e-mail server refuses: count, date and charges go back to the first's.
    await h.sql`UPDATE invoices SET reminder_date = '2026-10-20', reminder_charges = reminder_charges || '{"interestDays": 19}'::jsonb WHERE id = ${inv.id}`;
    const firstCharges = (await row(inv.id)).reminder_charges;
    h.smtp.state.refuse = true;
    try {
      await remind([inv.id]);
    } finally {
      h.smtp.state.refuse = false;
    }
    expect(await row(inv.id)).toMatchObject({ status: 'reminder', reminder_count: 1, reminder_date: '2026-10-20', reminder_charges: firstCharges, previous_reminder_charges: null });
    expect((await history(h, inv.id)).at(-1)).toMatchObject({ type: 'reminder_failed' });

    // The second reminder that goes out carries the first one's fee; it does not charge another.
    await remind([inv.id]);
    expect((await row(inv.id)).reminder_charges).toMatchObject({ fee: 6000, total });
  });

  it('a payment of what the reminder asked for pays the invoice with its fee and interest, nothing left over', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true, ...FEES });
    const inv = await f.invoice(companyId, await f.person({ email: 'betalar.allt@example.com' }), { issueDate: '2026-09-01', dueDate: '2026-10-01' });
    await h.sql`UPDATE invoices SET status = 'sent' WHERE id = ${inv.id}`;
    await remind([inv.id]);
    const { total } = (await row(inv.id)).reminder_charges;
    expect(total).toBeGreaterThan(430144 + 6000);

    const file = bgmaxFile({ deposits: [{ date: '2026-11-27', payments: [{ reference: inv.ocr, amount: total }] }] });
    const res = await h.request('POST', `/v1/companies/${companyId}/payment-files`, { key, rawBody: file, headers: { 'content-type': 'text/plain; charset=iso-8859-1' } });
    expect(res.status).toBe(202);
    const done = await waitFor(async () => {
      const r = await h.request('GET', `/v1/payment-files/${res.json.id}`, { key });
      return r.json.status === 'done' ? r.json : null;
    });
    expect(done).toMatchObject({ paid: 1, unmatched: 0 });
    expect(await row(inv.id)).toMatchObject({ status: 'paid', paid_amount: total });
    expect((await h.sql`SELECT count(*)::int AS n FROM unmatched_payments WHERE company_id = ${companyId}`)[0].n).toBe(0);
    const paidLine = (await history(h, inv.id)).find((e) => e.type === 'payment_received')!;
    expect(paidLine.message).toContain('the invoice is paid in full, with its reminder fee and interest');
  });

  it('a payment of the invoice alone after such a reminder leaves the fee and interest to pay', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true, ...FEES });
    const inv = await f.invoice(companyId, await f.person({ email: 'betalar.halvt@example.com' }), { issueDate: '2026-09-01', dueDate: '2026-10-01' });
    await h.sql`UPDATE invoices SET status = 'sent' WHERE id = ${inv.id}`;
    await remind([inv.id]);
    const { fee, interest } = (await row(inv.id)).reminder_charges;

    const file = bgmaxFile({ deposits: [{ date: '2026-11-27', payments: [{ reference: inv.ocr, amount: 430144 }] }] });
    const res = await h.request('POST', `/v1/companies/${companyId}/payment-files`, { key, rawBody: file, headers: { 'content-type': 'text/plain; charset=iso-8859-1' } });
    await waitFor(async () => (await h.request('GET', `/v1/payment-files/${res.json.id}`, { key })).json.status === 'done');
    expect(await row(inv.id)).toMatchObject({ status: 'reminder', paid_amount: 430144 });
    const paidLine = (await history(h, inv.id)).find((e) => e.type === 'payment_received')!;
    expect(paidLine.message).toMatch(/^Payment of 4301.44 SEK received on 2026-11-27 \(.*\); /);
    expect(paidLine.message).toContain(`; ${((fee + interest) / 100).toFixed(2)} SEK is left to pay.`);
  });

  it('a company without fee or interest: the reminder shows the amount due as before', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true });
    const inv = await f.invoice(companyId, await f.person({ email: 'utan.avgift@example.com' }), { issueDate: '2026-09-01', dueDate: '2026-10-01' });
    await h.sql`UPDATE invoices SET status = 'sent' WHERE id = ${inv.id}`;
    const [sent] = await remind([inv.id]);
    expect((await row(inv.id)).reminder_charges).toMatchObject({ fee: 0, interest: 0, total: 430144 });
    const mail = h.smtp.received.find((m) => m.messageId === `<${sent.workflowId}@test.invoice-distribution.local>`)!;
    const pdf = await pdfText(mail.attachments[0].content);
    expect(pdf).toContain('Förfallet belopp');
    expect(pdf).not.toContain('Påminnelseavgift');
    expect(pdf).not.toContain('Dröjsmålsränta');
  });
});
