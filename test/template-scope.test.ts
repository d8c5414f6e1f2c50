// A template belongs to its company: a send naming another company's template (of the same
// tenant) is refused whole with 422, and nothing is sent, stored or changed.
import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitForStatus } from './helpers/fixtures.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

const email = { activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0, reminderDistribution: true };

describe('templates and companies', () => {
  it("another company's template is refused with 422 for sends and reminders, alone or mixed; nothing changes", async () => {
    const gym = await f.company(email);
    const hall = await f.company(email, { name: 'Simhallen AB', orgNumber: '556123-4567' });
    const gymTemplate = await f.template(gym, { name: 'Gym', language: 'en', footerText: 'GYM-ONLY-FOOTER' });
    const person = await f.person();
    const gymInvoice = await f.invoice(gym, person);
    const hallInvoice = await f.invoice(hall, person);
    const overdueHallInvoice = await f.invoice(hall, person, { issueDate: '2026-01-01', dueDate: '2026-01-31' });
    const runsBefore = (await h.sql`SELECT count(*)::int AS n FROM send_runs`)[0].n;

    const refused = async (path: string, invoiceIds: string[]) => {
      const res = await h.request('POST', path, { key, body: { invoiceIds, templateId: gymTemplate } });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.json.code).toBe('validation_failed');
      return res.json;
    };
    expect((await refused('/v1/invoices/send', [hallInvoice.id])).errors).toEqual([
      { path: 'templateId', message: `is a template of another company than invoice ${hallInvoice.id}` },
    ]);
    expect((await refused('/v1/invoices/send', [gymInvoice.id, hallInvoice.id, overdueHallInvoice.id])).errors).toEqual([
      { path: 'templateId', message: expect.stringMatching(/^is a template of another company than invoice inv_\S+ and 1 more$/) },
    ]);
    expect((await refused('/v1/invoices/send-reminders', [overdueHallInvoice.id])).detail).toBe(
      "A template belongs to its company: send each company's invoices with one of its own templates (or none).",
    );

    // Nothing was accepted: no run, every invoice unsent with only its creation in the history.
    expect((await h.sql`SELECT count(*)::int AS n FROM send_runs`)[0].n).toBe(runsBefore);
    for (const inv of [gymInvoice, hallInvoice, overdueHallInvoice]) {
      expect((await h.request('GET', `/v1/invoices/${inv.id}`, { key })).json.status).toBe('unsent');
      expect((await history(h, inv.id)).map((e) => e.type)).toEqual(['created']);
    }

    // The company's own template is accepted, and the hall's invoice goes without one.
    const own = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [gymInvoice.id], templateId: gymTemplate } });
    expect(own.status).toBe(202);
    expect(own.json.results[0]).toMatchObject({ invoiceId: gymInvoice.id, accepted: true });
    const none = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [hallInvoice.id] } });
    expect(none.json.results[0]).toMatchObject({ invoiceId: hallInvoice.id, accepted: true });
    await waitForStatus(h, gymInvoice.id, 'sent');
    await waitForStatus(h, hallInvoice.id, 'sent');
  });

  it("another tenant's template is unknown", async () => {
    const other = await h.createTenant('Other');
    const company = await f.company(email);
    const inv = await f.invoice(company, await f.person());
    const theirs = await h.request('POST', '/v1/companies', {
      key: other, body: { name: 'Other AB', orgNumber: '556000-0000', address: { street: 'Gatan 1', postalCode: '111 11', city: 'Stockholm', country: 'SE' } },
    });
    const template = await h.request('POST', `/v1/companies/${theirs.json.id}/templates`, { key: other, body: { name: 'Theirs', language: 'sv' } });
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id], templateId: template.json.id } });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ path: 'templateId', message: 'no such template' }]);
  });
});
