// Unread e-mail → letter (issue 22): the daily scan (a Temporal workflow, run by a Schedule) sends
// an e-mailed invoice that is neither viewed, paid nor credited `unopenedLetterAfterBankDays` bank
// days after the e-mail as a letter — by central print within its limit of three, by own printer
// where central print is not active — with history `unopened_letter` and its event; a second scan
// the same day sends nothing twice.
import { randomBytes } from 'node:crypto';
import { describe, expect, it, beforeAll } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitFor, waitForStatus } from './helpers/fixtures.js';
import { addBankDays } from '../domain/bank-days.js';
import { scanUnopenedEmails } from '../workflows/scan-unopened-emails.js';
import { ensureUnopenedLettersSchedule } from '../services/unopened-letters-schedule.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

const ids: Record<string, string> = {};
const emailWorkflow: Record<string, string> = {};

async function emailed(companyId: string, name: string, o: { address?: boolean } = {}) {
  const person = await f.person({ name, email: `${name.toLowerCase()}@example.com`, ...(o.address === false ? { address: null } : {}) });
  const inv = await f.invoice(companyId, person);
  const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
  expect(res.status, res.text).toBe(202);
  await waitForStatus(h, inv.id, 'sent');
  emailWorkflow[name] = res.json.results[0].workflowId;
  return inv.id;
}

const scan = (today: string) =>
  h.client.workflow.execute(scanUnopenedEmails, { taskQueue: h.taskQueue, workflowId: `scan-unopened-${randomBytes(4).toString('hex')}`, args: [{ today }] });

const types = async (invoiceId: string) => (await history(h, invoiceId)).map((e) => e.type);

describe('bank days for the letter', () => {
  it('counts bank days after the e-mail: weekends and holidays do not count', () => {
    expect(addBankDays('2026-12-07', 2)).toBe('2026-12-09'); // Monday → Wednesday
    expect(addBankDays('2026-12-04', 1)).toBe('2026-12-07'); // Friday → Monday
    expect(addBankDays('2026-12-05', 1)).toBe('2026-12-07'); // Saturday → Monday
    expect(addBankDays('2026-12-23', 1)).toBe('2026-12-28'); // Christmas eve, day and Boxing day closed
  });
});

describe('unread e-mail → letter', () => {
  beforeAll(async () => {
    const gym = await f.company(
      { activeMethods: ['email', 'central_print'], defaultMethod: 'email', undoWindowSeconds: 0, unopenedLetterAfterBankDays: 2 } as never,
      { name: 'Friskvården Gym AB' },
    );
    const settings = await h.request('GET', `/v1/companies/${gym}/distribution-settings`, { key });
    expect(settings.json.unopenedLetterAfterBankDays).toBe(2);
    const pool = await f.company(
      { activeMethods: ['email', 'own_printer'], defaultMethod: 'email', undoWindowSeconds: 0, unopenedLetterAfterBankDays: 1 } as never,
      { name: 'Simhallen AB' },
    );
    const off = await f.company({ activeMethods: ['email', 'central_print'], defaultMethod: 'email', undoWindowSeconds: 0 }, { name: 'Utan Brev AB' });

    ids.unread = await emailed(gym, 'Unread');
    ids.opened = await emailed(gym, 'Opened');
    ids.paid = await emailed(gym, 'Paid');
    ids.credited = await emailed(gym, 'Credited');
    ids.limit = await emailed(gym, 'Limit');
    ids.ownPrinter = await emailed(pool, 'Pool');
    ids.notSet = await emailed(off, 'Off');

    // Opened from the e-mail's link.
    const mail = h.smtp.received.find((m) => m.messageId === `<${emailWorkflow.Opened}@test.invoice-distribution.local>`)!;
    const token = /\/i\/([A-Za-z0-9_-]{43})/.exec(mail.text!)![1];
    expect((await h.app.request(`/i/${token}`)).status).toBe(200);
    expect((await h.request('POST', `/v1/invoices/${ids.paid}/mark-paid`, { key, body: {} })).status).toBe(200);
    expect((await h.request('POST', `/v1/invoices/${ids.credited}/credit`, { key, body: { reason: 'Fel belopp' } })).status).toBe(200);
    // This one has had its three letters by central print.
    await h.sql`UPDATE invoices SET central_print_count = 3 WHERE id = ${ids.limit}`;
    // Every e-mail went out on Monday 2026-12-07 at 10:00 in Sweden.
    await h.sql`UPDATE deliveries SET delivered_at = '2026-12-07 10:00:00 Europe/Stockholm' WHERE method = 'email'`;
  });

  it('one bank day later only the company that waits one bank day sends its letter, by own printer', async () => {
    const first = await scan('2026-12-08');
    expect(first.letters).toEqual([{ invoiceId: ids.ownPrinter, method: 'own_printer', runId: expect.stringMatching(/^run_ul/) }]);
    await waitFor(async () => {
      const [r] = await h.sql`SELECT last_delivery FROM invoices WHERE id = ${ids.ownPrinter} AND status = 'sent'`;
      return r?.last_delivery?.method === 'own_printer';
    }, { what: 'the letter by own printer' });
    expect(await types(ids.unread)).toEqual(['created', 'send_requested', 'sent']);
  });

  it('two bank days later the unread invoice goes out by central print; opened, paid, credited and the one at its limit do not', async () => {
    const second = await scan('2026-12-09');
    expect(second.letters).toEqual([{ invoiceId: ids.unread, method: 'central_print', runId: expect.stringMatching(/^run_ul/) }]);
    expect(second.notSent).toEqual([{ invoiceId: ids.limit, reason: expect.stringContaining('sent by central print 3 times (at most 3)') }]);
    const sent = await waitFor(async () => {
      const [r] = await h.sql`SELECT * FROM invoices WHERE id = ${ids.unread} AND status = 'sent' AND last_delivery->>'method' = 'central_print'`;
      return r;
    }, { what: 'the letter by central print' });
    expect(sent.central_print_count).toBe(1);

    const entries = await history(h, ids.unread);
    expect(entries.map((e) => e.type)).toEqual(['created', 'send_requested', 'sent', 'unopened_letter', 'send_requested', 'sent']);
    expect(entries[3]).toMatchObject({ method: 'central_print' });
    expect(entries[3].message).toBe(
      'The e-mail of 2026-12-07 to unread@example.com was neither opened, paid nor credited within 2 bank days (by 2026-12-09): the invoice is sent as a letter by central print.',
    );
    expect(entries[5]).toMatchObject({ method: 'central_print' });

    expect(await types(ids.opened)).toEqual(['created', 'send_requested', 'sent', 'viewed']);
    expect(await types(ids.paid)).toEqual(['created', 'send_requested', 'sent', 'paid']);
    expect(await types(ids.credited)).not.toContain('unopened_letter');
    expect(await types(ids.limit)).toEqual(['created', 'send_requested', 'sent']);
    expect(await types(ids.notSet)).toEqual(['created', 'send_requested', 'sent']);

    const events = await h.request('GET', '/v1/events?type=invoice.unopened_letter', { key });
    expect(events.json.items.map((e: { invoiceId: string }) => e.invoiceId).sort()).toEqual([ids.ownPrinter, ids.unread].sort());
  });

  it('a second scan the same day (and a later one) sends nothing twice', async () => {
    const again = await scan('2026-12-09');
    expect(again.letters).toEqual([]);
    const later = await scan('2026-12-14');
    expect(later.letters).toEqual([]);
    const letters = await h.sql`SELECT invoice_id, method FROM deliveries WHERE method IN ('central_print', 'own_printer') ORDER BY invoice_id`;
    expect(letters.map((l) => l.invoice_id).sort()).toEqual([ids.ownPrinter, ids.unread].sort());
    const [{ n }] = await h.sql`SELECT count(*)::int AS n FROM invoice_history WHERE type = 'unopened_letter'`;
    expect(n).toBe(2);
  });

  it('the schedule runs the scan daily at 07:00 Stockholm time; triggered now it runs the same workflow', async () => {
    const scheduleId = `unopened-letters-${randomBytes(4).toString('hex')}`;
    await ensureUnopenedLettersSchedule(h.client, { taskQueue: h.taskQueue, scheduleId });
    await ensureUnopenedLettersSchedule(h.client, { taskQueue: h.taskQueue, scheduleId }); // made once
    const handle = h.client.schedule.getHandle(scheduleId);
    try {
      const d = await handle.describe();
      expect(d.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 7, end: 7, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] });
      expect(d.spec.timezone).toBe('Europe/Stockholm');
      expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scanUnopenedEmails', taskQueue: h.taskQueue });
      await handle.trigger();
      const run = await waitFor(async () => (await handle.describe()).info.recentActions[0]?.action.workflow, { what: 'the triggered scan' });
      const result = await h.client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result();
      expect(result.letters).toEqual([]); // today's scan: every letter due is already sent
    } finally {
      await handle.delete();
    }
  });
});
