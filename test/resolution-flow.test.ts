import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { ADDRESS, history, waitFor, waitForStatus } from './helpers/fixtures.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

async function sendAndSettle(invoiceId: string) {
  const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [invoiceId] } });
  expect(res.json.results[0].accepted).toBe(true);
  const handle = h.client.workflow.getHandle(res.json.results[0].workflowId);
  await handle.result().catch(() => undefined);
  const [row] = await h.sql`SELECT * FROM invoices WHERE id = ${invoiceId}`;
  return { row, last: (await history(h, invoiceId)).at(-1)! };
}

describe('method resolution through the workflow', () => {
  it("uses the customer's own method when the company has it active", async () => {
    const companyId = await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'email' });
    const inv = await f.invoice(companyId, await f.person({ distributionMethod: 'own_printer' }));
    const { row, last } = await sendAndSettle(inv.id);
    expect(row.status).toBe('sent');
    expect(last).toMatchObject({ type: 'sent', method: 'own_printer', recipient: 'Åsa Öberg, Sveavägen 10, 113 50 Stockholm' });
    expect(last.message).toMatch(/^Invoice sent by own printer to Åsa Öberg, Sveavägen 10, 113 50 Stockholm\. Added to print batch pb_\w+\.$/);
    const [delivery] = await h.sql`SELECT method, state, document_id FROM deliveries WHERE invoice_id = ${inv.id}`;
    expect(delivery).toMatchObject({ method: 'own_printer', state: 'delivered' });
    expect(delivery.document_id).toMatch(/^doc_/);
  });

  it("an inactive customer method falls to the company default, and the history says why", async () => {
    const companyId = await f.company({ activeMethods: ['own_printer'], defaultMethod: 'own_printer' });
    const inv = await f.invoice(companyId, await f.person({ distributionMethod: 'email' }));
    const { last } = await sendAndSettle(inv.id);
    expect(last.method).toBe('own_printer');
    expect(last.message).toContain("Not the first choice: e-mail (the customer's chosen method): e-mail is not active for the company.");
  });

  it('an invoice without e-mail goes by the fallback', async () => {
    const companyId = await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'email', fallbackMethod: 'own_printer' });
    const inv = await f.invoice(companyId, await f.person({ email: null }));
    const { row, last } = await sendAndSettle(inv.id);
    expect(row.status).toBe('sent');
    expect(last.method).toBe('own_printer');
    expect(last.message).toContain("e-mail (the company's default method): the invoice has no e-mail address");
  });

  it('nothing eligible: the send fails, the invoice is restored and every method tried is named with its reason', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const inv = await f.invoice(companyId, await f.person({ email: null, distributionMethod: 'central_print' }));
    const { row, last } = await sendAndSettle(inv.id);
    expect(row.status).toBe('unsent');
    expect(row.pending_workflow_id).toBeNull();
    expect(last.type).toBe('send_failed');
    expect(last.error).toBe('no_eligible_method');
    expect(last.message).toBe(
      "The invoice could not be sent: No distribution method could be used. Tried central print (the customer's chosen method): central print is not active for the company; e-mail (the company's default method): the invoice has no e-mail address. The invoice is back to status \"unsent\".",
    );
  });

  it('a company with no active method is refused at request time and nothing changes', async () => {
    const companyId = await f.company({ activeMethods: [], defaultMethod: null });
    const inv = await f.invoice(companyId, await f.person());
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    expect(res.json.results[0]).toMatchObject({ accepted: false, error: { code: 'no_active_method' } });
    const [row] = await h.sql`SELECT status FROM invoices WHERE id = ${inv.id}`;
    expect(row.status).toBe('unsent');
    expect((await history(h, inv.id)).map((e) => e.type)).toEqual(['created']);
    const settings = await h.request('GET', `/v1/companies/${companyId}/distribution-settings`, { key });
    expect(settings.json).toMatchObject({ canSend: false });
  });
});

describe('recipient priority and the invoice e-mail field', () => {
  it('with link-to-organisation: reference, then organisation, then person', async () => {
    const companyId = await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'email', linkInvoiceToOrganization: true });
    const orgId = await f.organization({ email: 'ekonomi@bygg.example', invoiceEmail: 'faktura@bygg.example' });
    const refId = await f.reference(orgId, { name: 'Karin Ref', email: 'karin@bygg.example' });
    const personId = await f.person({ email: 'person@example.com', organizationId: orgId });

    const withRef = await f.invoice(companyId, personId, { invoiceReferenceId: refId });
    expect(withRef.email).toBe('karin@bygg.example');
    const orgOnly = await f.invoice(companyId, personId);
    expect(orgOnly.email).toBe('faktura@bygg.example');

    const { last } = await sendAndSettle(withRef.id);
    expect(last).toMatchObject({ method: 'email', recipient: 'karin@bygg.example' });
    await waitFor(async () => h.smtp.received.some((m) => m.to && !Array.isArray(m.to) && m.to.text === 'karin@bygg.example'));
  });

  it('with link-to-organisation and own printer: the organisation address, attention the reference', async () => {
    const companyId = await f.company({ activeMethods: ['own_printer'], defaultMethod: 'own_printer', linkInvoiceToOrganization: true });
    const orgId = await f.organization({ name: 'Byggbolaget AB', address: { ...ADDRESS, street: 'Byggvägen 3' } });
    const refId = await f.reference(orgId, { name: 'Karin Ref', address: { ...ADDRESS, street: 'Box 12' } });
    const inv = await f.invoice(companyId, await f.person({ organizationId: orgId }), { invoiceReferenceId: refId });
    const { last } = await sendAndSettle(inv.id);
    expect(last.recipient).toBe('Byggbolaget AB, Att: Karin Ref, Box 12, 113 50 Stockholm');
  });

  it('without link-to-organisation: the person, invoice e-mail before e-mail', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', linkInvoiceToOrganization: false });
    const orgId = await f.organization({ invoiceEmail: 'faktura@bygg.example' });
    const personId = await f.person({ email: 'p@example.com', invoiceEmail: 'p.faktura@example.com', organizationId: orgId });
    const inv = await f.invoice(companyId, personId);
    expect(inv.email).toBe('p.faktura@example.com');
  });

  it('the invoice e-mail takes free text, refuses invalid addresses, and refills by priority when saved empty', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const inv = await f.invoice(companyId, await f.person({ email: 'auto@example.com' }));

    const set = await h.request('PATCH', `/v1/invoices/${inv.id}`, { key, body: { email: 'kontor+faktura@firma.example' } });
    expect(set.status).toBe(200);
    expect(set.json.email).toBe('kontor+faktura@firma.example');

    const bad = await h.request('PATCH', `/v1/invoices/${inv.id}`, { key, body: { email: 'kontor@firma.example\r\nBcc: evil@example.com' } });
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0].path).toBe('email');
    const [still] = await h.sql`SELECT email FROM invoices WHERE id = ${inv.id}`;
    expect(still.email).toBe('kontor+faktura@firma.example');

    const refill = await h.request('PATCH', `/v1/invoices/${inv.id}`, { key, body: { email: '' } });
    expect(refill.json.email).toBe('auto@example.com');
    const types = (await history(h, inv.id)).map((e) => e.type);
    expect(types).toEqual(['created', 'email_updated', 'email_updated']);

    await h.request('PATCH', `/v1/invoices/${inv.id}`, { key, body: { email: 'free@text.example' } });
    await sendAndSettle(inv.id);
    await waitForStatus(h, inv.id, 'sent');
    expect((await history(h, inv.id)).at(-1)).toMatchObject({ recipient: 'free@text.example' });
  });
});
