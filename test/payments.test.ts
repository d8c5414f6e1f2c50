// Payments in: BgMax files imported through the API are applied by their workflow — invoices
// paid, partly paid or left alone with the money listed — once, however often the file comes.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { useTestService, type TestService } from './helpers/service.js';
import { scanPaymentsInbox } from '../workflows/scan-payments-inbox.js';
import { ensurePaymentsInboxSchedule, PAYMENTS_INBOX_SCHEDULE } from '../services/payments-inbox-schedule.js';
import { paymentsTaskQueue } from '../services/payments-task-queue.js';
import { paymentFileWorkflowId } from '../workflows/apply-payment-file.js';
import { history, waitFor, waitForStatus } from './helpers/fixtures.js';
import { autogiroMandatesFile, autogiroPaymentsFile, autogiroRejectedFile, bgmaxFile, type BgPayment } from './helpers/bank-file-builder.js';

let s: TestService;
useTestService((t) => (s = t));

const TOTAL = 404900 + 0; // the fixture invoice: 3 999,00 + 2 × 25,00 + VAT = see computeTotals
async function importFile(companyId: string, content: string) {
  return s.h.request('POST', `/v1/companies/${companyId}/payment-files`, { key: s.key, rawBody: content, headers: { 'content-type': 'text/plain; charset=iso-8859-1' } });
}
async function done(fileId: string) {
  return waitFor(async () => {
    const r = await s.h.request('GET', `/v1/payment-files/${fileId}`, { key: s.key });
    return r.json.status === 'done' ? r.json : null;
  }, { what: `payment file ${fileId} to be applied` });
}
const fileOf = (payments: BgPayment[], date = '2026-11-27', writtenAt?: string) => bgmaxFile({ writtenAt, deposits: [{ date, payments }] });

describe('BgMax payment files', () => {
  it('pays an invoice in full, one partly, leaves an unknown reference unmatched, and lists a surplus', async () => {
    const { f, h } = s;
    const company = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const person = await f.person();
    const full = await f.invoice(company, person);
    const part = await f.invoice(company, person);
    const over = await f.invoice(company, person);
    void TOTAL;
    const res = await importFile(company, fileOf([
      { reference: full.ocr, amount: full.totalAmount },
      { reference: part.ocr, amount: 100000 },
      { reference: over.ocr, amount: over.totalAmount + 5000 },
      { reference: '12345678903', amount: 7700, name: 'Okänd Betalare' },
    ]));
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ companyId: company, kind: 'bgmax', records: 4 });
    const file = await done(res.json.id);
    expect(file).toMatchObject({ status: 'done', records: 4, matched: 3, paid: 2, partiallyPaid: 1, unmatched: 2, failed: 0 });
    // Applied on the payments task queue, never queued behind a billing run's sends.
    expect((await h.client.workflow.getHandle(paymentFileWorkflowId(res.json.id)).describe()).taskQueue).toBe(paymentsTaskQueue(h.taskQueue));

    const rows = await h.sql`SELECT id, status, paid_amount, paid_at FROM invoices WHERE id IN (${full.id}, ${part.id}, ${over.id})`;
    const by = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(by[full.id]).toMatchObject({ status: 'paid', paid_amount: full.totalAmount, paid_at: '2026-11-27' });
    expect(by[part.id]).toMatchObject({ status: 'unsent', paid_amount: 100000 });
    expect(by[over.id]).toMatchObject({ status: 'paid', paid_amount: over.totalAmount });
    const api = await h.request('GET', `/v1/invoices/${part.id}`, { key: s.key });
    expect(api.json).toMatchObject({ paidAmount: 100000, paidAt: '2026-11-27', status: 'unsent' });

    expect((await history(h, full.id)).map((x) => x.type)).toEqual(['created', 'payment_received', 'paid']);
    const [received] = (await history(h, part.id)).filter((x) => x.type === 'payment_received');
    expect(received.message).toBe(`Payment of 1000.00 SEK received on 2026-11-27 (Bankgiro payment 000000000010, deposit 00001 of 2026-11-27); ${((part.totalAmount - 100000) / 100).toFixed(2)} SEK is left to pay.`);

    const unmatched = await h.request('GET', `/v1/companies/${company}/unmatched-payments`, { key: s.key });
    expect(unmatched.json.items.map((u: any) => [u.reference, u.amount, u.reason]).sort()).toEqual([
      ['12345678903', 7700, 'No invoice of the company has OCR number 12345678903.'],
      [over.ocr, 5000, `More than invoice ${over.number} asked for.`],
    ].sort());
    expect(unmatched.json.items.find((u: any) => u.reference === '12345678903').payerName).toBe('Okänd Betalare');
  });

  it('the same file twice: answered with the first import, nothing applied twice', async () => {
    const { f, h } = s;
    const company = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const inv = await f.invoice(company, await f.person());
    const content = fileOf([{ reference: inv.ocr, amount: 50000 }], '2026-11-27', '20261127130000000001');
    const first = await importFile(company, content);
    await done(first.json.id);
    const again = await importFile(company, content);
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(first.json.id);
    // And applying it again (a worker that died after the work and before saying so) changes nothing either.
    await h.sql`UPDATE payment_files SET status = 'processing' WHERE id = ${first.json.id}`;
    const third = await importFile(company, content);
    expect(third.status).toBe(200);
    await done(first.json.id);
    const [row] = await h.sql`SELECT paid_amount FROM invoices WHERE id = ${inv.id}`;
    expect(row.paid_amount).toBe(50000);
    expect((await history(h, inv.id)).filter((x) => x.type === 'payment_received')).toHaveLength(1);
  });

  it('two OCRs in one payment through TK22 (no split): both invoices paid; a deduction subtracts', async () => {
    const { f, h } = s;
    const company = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const person = await f.person();
    const a = await f.invoice(company, person);
    const b = await f.invoice(company, person);
    const c = await f.invoice(company, person);
    const res = await importFile(company, fileOf([
      { reference: '', refCode: 0, amount: a.totalAmount + b.totalAmount, extra: [{ tk: '22', reference: a.ocr, amount: 0 }, { tk: '22', reference: b.ocr, amount: 0 }] },
      { reference: c.ocr, amount: c.totalAmount },
      { tk: '21', reference: c.ocr, amount: 20000, deductionCode: 1 },
    ]));
    await done(res.json.id);
    const rows = await h.sql`SELECT id, status, paid_amount FROM invoices WHERE id IN (${a.id}, ${b.id}, ${c.id}) ORDER BY number`;
    expect(rows.map((r) => [r.status, Number(r.paid_amount)])).toEqual([['paid', a.totalAmount], ['paid', b.totalAmount], ['paid', c.totalAmount - 20000]]);
    expect((await history(h, c.id)).map((x) => x.message).at(-1)).toBe('A deduction of 200.00 SEK was recorded (Bankgiro payment 000000000010, deposit 00001 of 2026-11-27); 200.00 SEK is left to pay.');
  });

  it('refuses a damaged file with the first bad line, and stores nothing', async () => {
    const { f, h } = s;
    const company = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const inv = await f.invoice(company, await f.person());
    const lines = fileOf([{ reference: inv.ocr, amount: 100 }]).split('\r\n');
    lines[2] = lines[2].replace('            ', '\t\t');
    const tab = await importFile(company, lines.join('\r\n'));
    expect(tab.status).toBe(422);
    expect(tab.json).toMatchObject({ code: 'invalid_payment_file', detail: expect.stringMatching(/^Line 3: contains a TAB character/) });
    const sum = await importFile(company, bgmaxFile({ deposits: [{ date: '2026-11-27', amountOverride: 1, payments: [{ reference: inv.ocr, amount: 100 }] }] }));
    expect(sum.json).toMatchObject({ status: 422, code: 'invalid_payment_file', detail: 'Line 4: the deposit amount 1 öre differs from its payments less deductions, 100 öre.' });
    expect((await h.request('POST', `/v1/companies/${company}/payment-files`, { key: s.key, body: { file: 'x' } })).status).toBe(415);
    const [n] = await h.sql`SELECT count(*)::int AS n FROM payment_files WHERE company_id = ${company}`;
    expect(n.n).toBe(0);
  });

  it('an overdue invoice paid by BgMax leaves the dunning list; a reminder waiting in its undo window is not delivered', async () => {
    const { f, h, key } = s;
    const company = await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true, undoWindowSeconds: 0 });
    const person = await f.person({ email: 'betalar@example.com' });
    const overdue = await f.invoice(company, person, { issueDate: '2026-09-01', dueDate: '2026-10-01' });
    const reminded = await f.invoice(company, person, { issueDate: '2026-09-01', dueDate: '2026-10-02' });
    await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [overdue.id, reminded.id] } });
    await waitForStatus(h, overdue.id, 'sent');
    await waitForStatus(h, reminded.id, 'sent');
    const dunning = async () => (await h.request('GET', `/v1/companies/${company}/dunning`, { key })).json.items.map((i: any) => i.id).sort();
    expect(await dunning()).toEqual([overdue.id, reminded.id].sort());
    // A reminder with an hour's undo window waits while the payment arrives.
    await h.sql`UPDATE companies SET undo_window_seconds = 3600 WHERE id = ${company}`;
    expect((await h.request('POST', '/v1/invoices/send-reminders', { key, body: { invoiceIds: [reminded.id] } })).json.results[0].accepted).toBe(true);
    const mailsBefore = h.smtp.received.length;

    const res = await importFile(company, fileOf([{ reference: overdue.ocr, amount: overdue.totalAmount }, { reference: reminded.ocr, amount: reminded.totalAmount }]));
    await done(res.json.id);
    expect(await dunning()).toEqual([]);
    const [r] = await h.sql`SELECT status, reminder_count FROM invoices WHERE id = ${reminded.id}`;
    expect(r).toEqual({ status: 'paid', reminder_count: 0 });
    const paidLine = (await history(h, reminded.id)).find((x) => x.type === 'paid')!;
    expect(paidLine.message).toBe('Invoice paid on 2026-11-27. The reminder waiting to go out will not be delivered if it has not started.');
    expect(h.smtp.received.length).toBe(mailsBefore);
  });
});

describe('Autogiro result files', () => {
  /** A company drawing by Autogiro with e-mail as fallback, and n members with mandates, each with an invoice sent by Autogiro. */
  async function drawn(n: number) {
    const { f, h, key } = s;
    const company = await f.company({ activeMethods: ['autogiro', 'email'], defaultMethod: 'autogiro', fallbackMethod: 'email' }, { autogiroCustomerNumber: '4711' });
    const out: { id: string; ocr: string; totalAmount: number; payer: string; email: string }[] = [];
    for (let i = 0; i < n; i++) {
      const email = `ag${i}-${company.slice(-6).toLowerCase()}@example.com`;
      const person = await f.person({ email });
      const payer = String(19800101 + i);
      expect((await h.request('POST', `/v1/companies/${company}/autogiro-mandates`, { key, body: { personId: person, payerNumber: payer, status: 'active' } })).status).toBe(201);
      const inv = await f.invoice(company, person);
      out.push({ ...inv, payer, email });
    }
    await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: out.map((x) => x.id) } });
    for (const x of out) await waitForStatus(h, x.id, 'sent');
    return { company, invoices: out };
  }
  const mailsTo = (address: string) => s.h.smtp.received.filter((m) => JSON.stringify(m.to).includes(address));

  it('status 0 pays; 1 and 2 record autogiro_failed and send the invoice by e-mail instead; 9 waits, and a later final 1 fails it', async () => {
    const { h } = s;
    const { company, invoices: [a, b, c, d] } = await drawn(4);
    const day1 = autogiroPaymentsFile({
      date: '2026-11-27', written: '20261127060512000001',
      payments: [
        { payer: a.payer, amount: a.totalAmount, reference: a.ocr, status: '0' },
        { payer: b.payer, amount: b.totalAmount, reference: b.ocr, status: '1' },
        { payer: c.payer, amount: c.totalAmount, reference: c.ocr, status: '2' },
        { payer: d.payer, amount: d.totalAmount, reference: d.ocr, status: '9' },
      ],
    });
    const res = await importFile(company, day1);
    expect(res.status).toBe(202);
    expect(await done(res.json.id)).toMatchObject({ kind: 'autogiro_payments', records: 4, paid: 1, failed: 2, matched: 4 });
    await waitForStatus(h, a.id, 'paid');
    for (const x of [b, c]) {
      await waitFor(async () => mailsTo(x.email).length === 1, { what: `the fallback e-mail to ${x.email}` });
      await waitForStatus(h, x.id, 'sent');
      const types = (await history(h, x.id)).map((e) => e.type);
      expect(types).toEqual(['created', 'send_requested', 'sent', 'autogiro_failed', 'send_requested', 'sent']);
    }
    const failedB = (await history(h, b.id)).find((e) => e.type === 'autogiro_failed')!;
    expect(failedB.message).toBe(`The Autogiro withdrawal of ${(b.totalAmount / 100).toFixed(2)} SEK on 2026-11-27 was not made: there was not enough money in the account (status 1). The invoice is sent by e-mail instead.`);
    expect(failedB.error).toBe('autogiro_status_1');
    expect((await history(h, b.id)).at(-1)!.message).toBe(`Invoice sent by e-mail to ${b.email}.`);
    // 9: nothing happens yet.
    expect((await h.sql`SELECT status FROM invoices WHERE id = ${d.id}`)[0].status).toBe('sent');
    expect(mailsTo(d.email)).toHaveLength(0);

    // The next banking day the retried withdrawal fails for good.
    const day2 = autogiroPaymentsFile({ date: '2026-11-27', written: '20261128060512000001', payments: [{ payer: d.payer, amount: d.totalAmount, reference: d.ocr, status: '1' }] });
    await done((await importFile(company, day2)).json.id);
    await waitFor(async () => mailsTo(d.email).length === 1, { what: 'the fallback e-mail after the final status' });
    // Applying day 1 again changes nothing: no second fallback send.
    await h.sql`UPDATE payment_files SET status = 'processing' WHERE id = ${res.json.id}`;
    expect((await importFile(company, day1)).status).toBe(200);
    await done(res.json.id);
    await new Promise((r) => setTimeout(r, 1000));
    for (const x of [b, c, d]) expect(mailsTo(x.email)).toHaveLength(1);
    expect((await history(h, a.id)).filter((e) => e.type === 'payment_received')).toHaveLength(1);
  });

  it('a rejected order fails like a withdrawal without funds; mandate advice 32 activates, 03 cancels', async () => {
    const { h, key } = s;
    const { company, invoices: [a, b] } = await drawn(2);
    const rejected = await importFile(company, autogiroRejectedFile({ date: '2026-11-27', orders: [{ payer: a.payer, amount: a.totalAmount, reference: a.ocr, comment: '01' }] }));
    expect((await done(rejected.json.id)).kind).toBe('autogiro_rejected');
    await waitFor(async () => mailsTo(a.email).length === 1, { what: 'the fallback e-mail after the rejected order' });
    expect((await history(h, a.id)).find((e) => e.type === 'autogiro_failed')!.message).toContain('Bankgirot rejected the order: the payer has no mandate');

    await h.sql`UPDATE autogiro_mandates SET status = 'inactive' WHERE company_id = ${company} AND payer_number = ${a.payer}`;
    const advice = await importFile(company, autogiroMandatesFile({ date: '2026-11-27', advices: [{ payer: a.payer, info: '04', comment: '32' }, { payer: b.payer, info: '03', comment: '33' }] }));
    expect((await done(advice.json.id)).kind).toBe('autogiro_mandates');
    const mandates = (await h.request('GET', `/v1/companies/${company}/autogiro-mandates`, { key })).json.items;
    expect(Object.fromEntries(mandates.map((m: any) => [m.payerNumber, m.status]))).toEqual({ [a.payer]: 'active', [b.payer]: 'inactive' });
  });
});

describe('the payments inbox', () => {
  it('imports files dropped in PAYMENTS_INBOX_DIR/<companyId>/: applied and moved to processed/, a damaged one to rejected/ with its reason', async () => {
    const { f, h } = s;
    const company = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const inv = await f.invoice(company, await f.person());
    const inbox = await mkdtemp(path.join(os.tmpdir(), 'payments-inbox-'));
    try {
      const dir = path.join(inbox, company);
      await mkdir(dir);
      await writeFile(path.join(dir, 'bgmax-1.txt'), Buffer.from(fileOf([{ reference: inv.ocr, amount: inv.totalAmount }], '2026-11-27', '20261127140000000001'), 'latin1'));
      const damaged = fileOf([{ reference: inv.ocr, amount: 1 }], '2026-11-27', '20261127150000000001').split('\r\n');
      damaged[2] = damaged[2].replace('            ', '\t\t');
      await writeFile(path.join(dir, 'bgmax-2.txt'), damaged.join('\r\n'));

      // The schedule that runs the scan every minute exists once, however often workers start.
      await ensurePaymentsInboxSchedule(h.client, { taskQueue: h.taskQueue, dir: inbox });
      await ensurePaymentsInboxSchedule(h.client, { taskQueue: h.taskQueue, dir: inbox });
      const schedule = await h.client.schedule.getHandle(PAYMENTS_INBOX_SCHEDULE).describe();
      expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scanPaymentsInbox', taskQueue: paymentsTaskQueue(h.taskQueue) });
      // A schedule made before payments had their own queue is moved there.
      await h.client.schedule.getHandle(PAYMENTS_INBOX_SCHEDULE).update((o) => ({ ...o, action: { ...o.action, taskQueue: h.taskQueue } }));
      await ensurePaymentsInboxSchedule(h.client, { taskQueue: h.taskQueue, dir: inbox });
      expect((await h.client.schedule.getHandle(PAYMENTS_INBOX_SCHEDULE).describe()).action).toMatchObject({ taskQueue: paymentsTaskQueue(h.taskQueue) });
      await h.client.schedule.getHandle(PAYMENTS_INBOX_SCHEDULE).delete();

      // One scan, as the schedule would run it.
      const started = await h.client.workflow.execute(scanPaymentsInbox, { taskQueue: paymentsTaskQueue(h.taskQueue), workflowId: `scan-${company}`, args: [{ dir: inbox }] });
      expect(started).toBe(1);
      await waitForStatus(h, inv.id, 'paid');
      expect(await readdir(dir)).toEqual(['processed', 'rejected']);
      expect(await readdir(path.join(dir, 'processed'))).toEqual(['bgmax-1.txt']);
      expect((await readdir(path.join(dir, 'rejected'))).sort()).toEqual(['bgmax-2.txt', 'bgmax-2.txt.reason.txt']);
      expect(await readFile(path.join(dir, 'rejected', 'bgmax-2.txt.reason.txt'), 'utf8')).toMatch(/^Line 3: contains a TAB character/);
      const [file] = await h.sql`SELECT source, file_name, status FROM payment_files WHERE company_id = ${company}`;
      expect(file).toEqual({ source: 'inbox', file_name: 'bgmax-1.txt', status: 'done' });

      // The same file dropped again is the same file: nothing applied twice.
      await writeFile(path.join(dir, 'again.txt'), await readFile(path.join(dir, 'processed', 'bgmax-1.txt')));
      expect(await h.client.workflow.execute(scanPaymentsInbox, { taskQueue: paymentsTaskQueue(h.taskQueue), workflowId: `scan2-${company}`, args: [{ dir: inbox }] })).toBe(0);
      expect(existsSync(path.join(dir, 'processed', 'again.txt'))).toBe(true);
      expect((await history(h, inv.id)).filter((x) => x.type === 'payment_received')).toHaveLength(1);
    } finally {
      await rm(inbox, { recursive: true, force: true });
    }
  });
});
