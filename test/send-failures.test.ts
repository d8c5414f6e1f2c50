import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { waitFor, waitForStatus } from './helpers/fixtures.js';
import { dsn } from './helpers/dsn.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

const failures = async (query = '', as = key) => {
  const res = await h.request('GET', `/v1/send-failures${query}`, { key: as });
  expect(res.status).toBe(200);
  return res.json as { items: any[]; nextCursor: string | null };
};

describe('the failure work list', () => {
  it('lists what failed or bounced and was not delivered since, by run and company, in pages; a resend takes it off', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', fallbackMethod: null, undoWindowSeconds: 0 });
    const other = await f.company({ activeMethods: ['email'], defaultMethod: 'email', fallbackMethod: null, undoWindowSeconds: 0 });
    const noAddress = await f.invoice(companyId, await f.person({ email: null }));
    const bounces = await f.invoice(companyId, await f.person({ email: 'gone@example.com' }));
    const fine = await f.invoice(companyId, await f.person({ email: 'fine@example.com' }));
    const elsewhere = await f.invoice(other, await f.person({ email: null }));

    const run = (await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [noAddress.id, bounces.id, fine.id] } })).json;
    const otherRun = (await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [elsewhere.id] } })).json;
    await waitForStatus(h, bounces.id, 'sent');
    await waitForStatus(h, fine.id, 'sent');
    await waitFor(async () => (await h.sql`SELECT 1 FROM invoice_history WHERE invoice_id IN (${noAddress.id}, ${elsewhere.id}) AND type = 'send_failed'`).length === 2, { what: 'the two failures' });
    const bouncedWf = run.results[1].workflowId as string;
    const report = dsn({ to: `bounces+${bouncedWf}@test.invoice-distribution.local`, recipient: 'gone@example.com', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', messageId: `<${bouncedWf}@test.invoice-distribution.local>` });
    const posted = await h.request('POST', '/v1/inbound/bounces', { rawBody: report, headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'message/rfc822' } });
    expect(posted.json).toEqual({ outcome: 'bounced' });

    const all = await failures(`?runId=${run.runId}`);
    expect(all.items.map((i) => i.invoiceId)).toEqual([bounces.id, noAddress.id]); // newest first
    expect(all.items[0]).toMatchObject({ number: bounces.number, companyId, kind: 'invoice', method: 'email', code: 'delivery_bounced', runId: run.runId, bounced: true });
    expect(all.items[0].message).toContain('The invoice e-mail to gone@example.com bounced');
    expect(all.items[1]).toMatchObject({ kind: 'invoice', method: null, code: 'no_eligible_method', runId: run.runId, bounced: false });
    expect(all.items[1].message).toMatch(/^The invoice could not be sent: .*e-mail address/);

    // By company: the other company's failure only; every run: both companies.
    expect((await failures(`?companyId=${other}`)).items.map((i) => i.invoiceId)).toEqual([elsewhere.id]);
    expect((await failures(`?runId=${otherRun.runId}`)).items.map((i) => i.invoiceId)).toEqual([elsewhere.id]);
    // Pages of one.
    const first = await failures(`?runId=${run.runId}&limit=1`);
    expect(first.items.map((i) => i.invoiceId)).toEqual([bounces.id]);
    const second = await failures(`?runId=${run.runId}&limit=1&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.invoiceId)).toEqual([noAddress.id]);
    expect(second.nextCursor).toBeNull();
    // Another tenant sees none of it; a cursor not given out is refused.
    expect((await failures('', await h.createTenant('Someone else'))).items).toEqual([]);
    const bad = await h.request('GET', '/v1/send-failures?cursor=bm9wZQ', { key });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');

    // The clerk fixes the address and sends again: delivered, off the list.
    expect((await h.request('PATCH', `/v1/invoices/${noAddress.id}`, { key, body: { email: 'found@example.com' } })).status).toBe(200);
    await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [noAddress.id] } });
    await waitForStatus(h, noAddress.id, 'sent');
    expect((await failures(`?companyId=${companyId}`)).items.map((i) => i.invoiceId)).toEqual([bounces.id]);
    // A credited invoice leaves nothing to do.
    expect((await h.request('POST', `/v1/invoices/${bounces.id}/credit`, { key, body: { reason: 'moved away' } })).status).toBe(200);
    expect((await failures(`?companyId=${companyId}`)).items).toEqual([]);
  });
});
