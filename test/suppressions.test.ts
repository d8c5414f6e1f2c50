// The suppression list (API.md "Preview, failures and sending again"): a permanent bounce lists
// the address for the company; the next send of another invoice to it passes e-mail over
// (`email_suppressed`) and goes by the fallback at once, with nothing handed to the SMTP server;
// removing the address, or another address on the invoice, lets e-mail carry it again.
import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitFor, waitForStatus } from './helpers/fixtures.js';
import { dsn } from './helpers/dsn.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

const mailsTo = (address: string) => h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text.toLowerCase() === address);

/** A company that e-mails, with central print as its fallback. */
const emailFirst = () => f.company({ activeMethods: ['email', 'central_print'], defaultMethod: 'email', fallbackMethod: 'central_print', undoWindowSeconds: 0 });

/** Sends the invoice, waits for it to be sent, and returns its workflow id. */
async function send(invoiceId: string, as = key): Promise<string> {
  const res = await h.request('POST', '/v1/invoices/send', { key: as, body: { invoiceIds: [invoiceId] } });
  expect(res.status, res.text).toBe(202);
  expect(res.json.results[0].accepted, res.text).toBe(true);
  await waitForStatus(h, invoiceId, 'sent', 60_000);
  return res.json.results[0].workflowId as string;
}

/** The remote server's report that the e-mail of this send bounced for good, posted as an MTA's DSN. */
async function bounce(workflowId: string, recipient: string) {
  const report = dsn({
    to: `bounces+${workflowId}@test.invoice-distribution.local`, recipient, status: '5.1.1',
    diagnostic: `550 5.1.1 <${recipient}>: Recipient address rejected: User unknown`, messageId: `<${workflowId}@test.invoice-distribution.local>`,
  });
  const res = await h.request('POST', '/v1/inbound/bounces', { rawBody: report, headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'message/rfc822' } });
  expect(res.json).toEqual({ outcome: 'bounced' });
}

const list = async (companyId: string, as = key) => h.request('GET', `/v1/companies/${companyId}/suppressions`, { key: as });
const rows = (companyId: string) => h.sql`SELECT email, invoice_id FROM email_suppressions WHERE company_id = ${companyId} ORDER BY email`;

function expectProblem(res: { status: number; headers: Headers; json: any }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.json).toMatchObject({ status });
}

describe('the suppression list', () => {
  it('a permanent bounce lists the address; the next invoice to it goes by the fallback, with no e-mail; DELETE lets e-mail carry it again', async () => {
    const companyId = await emailFirst();
    const first = await f.invoice(companyId, await f.person({ email: 'gone@example.com' }));
    const firstWf = await send(first.id);
    expect(mailsTo('gone@example.com')).toHaveLength(1);
    expect((await list(companyId)).json).toEqual({ items: [] });

    await bounce(firstWf, 'gone@example.com');
    const listed = await list(companyId);
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([
      { email: 'gone@example.com', reason: '550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown', at: expect.any(String), invoiceId: first.id },
    ]);
    expect(Date.now() - Date.parse(listed.json.items[0].at)).toBeLessThan(60_000);
    expect(await rows(companyId)).toEqual([{ email: 'gone@example.com', invoice_id: first.id }]);
    // The bounced invoice itself goes by the fallback (the bounce fallback, as before).
    await waitFor(async () => {
      const [r] = await h.sql`SELECT status, last_delivery FROM invoices WHERE id = ${first.id}`;
      return r.status === 'sent' && r.last_delivery.method === 'central_print';
    }, { timeoutMs: 60_000, what: 'the bounced invoice sent by central print' });

    // Another invoice to the same address (written otherwise): the preview and the send pass e-mail over.
    const next = await f.invoice(companyId, await f.person({ email: 'Gone@Example.com' }));
    const preview = await h.request('POST', '/v1/invoices/send-preview', { key, body: { invoiceIds: [next.id] } });
    expect(preview.json.items[0]).toMatchObject({ accepted: true, method: 'central_print', choice: 'fallback', passedOver: [{ method: 'email', code: 'email_suppressed' }] });
    expect(preview.json.items[0].passedOver[0].reason).toContain("on the company's suppression list");
    const nextWf = await send(next.id);
    const [delivery] = await h.sql`SELECT method, plan FROM deliveries WHERE workflow_id = ${nextWf}`;
    expect(delivery.method).toBe('central_print');
    expect(delivery.plan.rejected).toEqual([expect.objectContaining({ method: 'email', code: 'email_suppressed' })]);
    const sent = (await history(h, next.id)).at(-1)!;
    expect(sent).toMatchObject({ type: 'sent', method: 'central_print' });
    expect(sent.message).toContain("Gone@Example.com is on the company's suppression list: an e-mail to it bounced on");
    expect(mailsTo('gone@example.com')).toHaveLength(1); // still only the first one

    // Taken off the list: e-mailed again.
    const removed = await h.request('DELETE', `/v1/companies/${companyId}/suppressions/${encodeURIComponent('GONE@example.com')}`, { key });
    expect(removed.status, removed.text).toBe(204);
    expect(removed.text).toBe('');
    expect((await list(companyId)).json).toEqual({ items: [] });
    expect(await rows(companyId)).toEqual([]);
    const again = await f.invoice(companyId, await f.person({ email: 'gone@example.com' }));
    const againWf = await send(again.id);
    expect((await h.sql`SELECT method FROM deliveries WHERE workflow_id = ${againWf}`)[0].method).toBe('email');
    expect(mailsTo('gone@example.com')).toHaveLength(2);
    // Removing it twice: not on the list.
    expectProblem(await h.request('DELETE', `/v1/companies/${companyId}/suppressions/gone%40example.com`, { key }), 404);
  });

  it("applies to the company's address only: another address on the invoice, or another company, is e-mailed", async () => {
    const companyId = await emailFirst();
    const otherCompany = await emailFirst();
    const first = await f.invoice(companyId, await f.person({ email: 'moved@example.com' }));
    await bounce(await send(first.id), 'moved@example.com');
    expect(await rows(companyId)).toEqual([{ email: 'moved@example.com', invoice_id: first.id }]);

    // The clerk gives the invoice another address: e-mail carries it, and the list stays as it is.
    const changed = await f.invoice(companyId, await f.person({ email: 'moved@example.com' }));
    expect((await h.request('PATCH', `/v1/invoices/${changed.id}`, { key, body: { email: 'new-home@example.com' } })).status).toBe(200);
    const changedWf = await send(changed.id);
    expect((await h.sql`SELECT method, recipient FROM deliveries WHERE workflow_id = ${changedWf}`)[0]).toEqual({ method: 'email', recipient: 'new-home@example.com' });
    expect(mailsTo('new-home@example.com')).toHaveLength(1);
    expect(await rows(companyId)).toHaveLength(1);

    // The other company never had a bounce from it.
    const elsewhere = await f.invoice(otherCompany, await f.person({ email: 'moved@example.com' }));
    const elsewhereWf = await send(elsewhere.id);
    expect((await h.sql`SELECT method FROM deliveries WHERE workflow_id = ${elsewhereWf}`)[0].method).toBe('email');
    expect(mailsTo('moved@example.com')).toHaveLength(2);
    expect((await list(otherCompany)).json).toEqual({ items: [] });
  });

  it("another tenant's company is not found, and bad input is a problem that changes nothing", async () => {
    const companyId = await emailFirst();
    const inv = await f.invoice(companyId, await f.person({ email: 'kept@example.com' }));
    await bounce(await send(inv.id), 'kept@example.com');
    const before = await h.sql`SELECT * FROM email_suppressions ORDER BY company_id, email`;
    expect(before.length).toBeGreaterThanOrEqual(1);

    const stranger = await h.createTenant('Someone else');
    expectProblem(await list(companyId, stranger), 404);
    expectProblem(await h.request('DELETE', `/v1/companies/${companyId}/suppressions/kept%40example.com`, { key: stranger }), 404);
    expectProblem(await list('cmp_does_not_exist'), 404);
    expectProblem(await h.request('DELETE', `/v1/companies/cmp_does_not_exist/suppressions/kept%40example.com`, { key }), 404);
    expectProblem(await h.request('DELETE', `/v1/companies/${companyId}/suppressions/never-listed%40example.com`, { key }), 404);
    for (const email of ['not-an-address', encodeURIComponent(`${'x'.repeat(250)}@example.com`), encodeURIComponent('a b@example.com')]) {
      const res = await h.request('DELETE', `/v1/companies/${companyId}/suppressions/${email}`, { key });
      expectProblem(res, 422);
      expect(res.json.code).toBe('validation_failed');
    }
    expectProblem(await h.request('GET', `/v1/companies/${companyId}/suppressions`), 401);
    expectProblem(await h.request('DELETE', `/v1/companies/${companyId}/suppressions/kept%40example.com`), 401);
    expect(await h.sql`SELECT * FROM email_suppressions ORDER BY company_id, email`).toEqual(before);
    expect((await list(companyId)).json.items.map((i: { email: string }) => i.email)).toEqual(['kept@example.com']);
  });
});
