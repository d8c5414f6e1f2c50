import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { ADDRESS, history } from './helpers/fixtures.js';
import { startProviderServer } from './helpers/provider-server.js';
import { pdfText } from './helpers/pdf-text.js';
import { validatePeppol } from './helpers/peppol-validator.js';
import { parseAutogiroFile } from './helpers/autogiro-reader.js';

const LOGO_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

let h: Harness;
let key: string;
let f: TestService['f'];
let print: Awaited<ReturnType<typeof startProviderServer>>;
let pagero: Awaited<ReturnType<typeof startProviderServer>>;

beforeAll(async () => {
  print = await startProviderServer([{ status: 201, json: { jobId: 'PJ-1' } }]);
  pagero = await startProviderServer([{ status: 201, json: { documentId: 'PG-1' } }]);
});
useTestService((s) => ({ h, key, f } = s), () => ({ printProviderUrl: print.url, pageroApiUrl: pagero.url }));
afterAll(async () => {
  await print?.close();
  await pagero?.close();
});

async function sendAndSettle(invoiceIds: string[], path = '/v1/invoices/send', templateId?: string) {
  const res = await h.request('POST', path, { key, body: { invoiceIds, ...(templateId ? { templateId } : {}) } });
  expect(res.status, res.text).toBe(202);
  for (const r of res.json.results) {
    expect(r.accepted, JSON.stringify(r)).toBe(true);
    await h.client.workflow.getHandle(r.workflowId).result().catch(() => undefined);
  }
  return res.json.results as { invoiceId: string; workflowId: string }[];
}
const row = async (id: string) => (await h.sql`SELECT * FROM invoices WHERE id = ${id}`)[0];

describe('central print', () => {
  it('a 503 then success: one print job, standard template with logo, manifest with the window-envelope address', async () => {
    print.answer([{ status: 503, text: 'busy' }, { status: 201, json: { jobId: 'PJ-777' } }]);
    const companyId = await f.company({ activeMethods: ['central_print'], defaultMethod: 'central_print' }, { logo: { contentType: 'image/png', data: LOGO_PNG } });
    const templateId = await f.template(companyId, { name: 'Own', language: 'en', footerText: 'CUSTOM-FOOTER-NOT-FOR-PRINT' });
    const inv = await f.invoice(companyId, await f.person({ name: 'Åsa Öberg' }));
    const before = print.requests.length;
    const [{ workflowId }] = await sendAndSettle([inv.id], '/v1/invoices/send', templateId);

    const mine = print.requests.slice(before);
    expect(mine.length).toBe(2); // the 503, then the accepted retry
    expect(new Set(mine.map((r) => r.headers['idempotency-key']))).toEqual(new Set([workflowId]));
    expect(mine[1].headers.authorization).toBe('Bearer print-token');
    expect(mine[1].path).toBe('/api/print-jobs');
    const form = await mine[1].request.formData();
    const manifest = JSON.parse(await (form.get('manifest') as File).text());
    expect(manifest).toMatchObject({
      deliveryId: workflowId,
      documentType: 'invoice',
      invoiceNumber: inv.number,
      recipient: { name: 'Åsa Öberg', attention: null, ...ADDRESS },
      pages: 1,
      color: false,
      duplex: true,
      postageClass: 'B',
      envelope: 'C5-window-left',
      company: { id: companyId, name: 'Friskvården Gym AB', orgNumber: '556677-8899' },
    });
    const pdf = Buffer.from(await (form.get('document') as File).arrayBuffer());
    const text = await pdfText(pdf);
    expect(text).toContain('Faktura'); // the standard (Swedish) template, not the chosen English one
    expect(text).not.toContain('CUSTOM-FOOTER-NOT-FOR-PRINT');
    expect(pdf.toString('latin1')).toContain('/Subtype /Image'); // the company logo

    const r = await row(inv.id);
    expect(r.status).toBe('sent');
    expect(r.central_print_count).toBe(1);
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'sent', method: 'central_print', recipient: 'Åsa Öberg, Sveavägen 10, 113 50 Stockholm' });
    expect(last.message).toContain('Print job PJ-777.');
  });

  it('a 4xx is final: no retry, status and central-print count restored, the reason in the history', async () => {
    print.answer([{ status: 422, json: { error: 'postal code not deliverable' } }]);
    const companyId = await f.company({ activeMethods: ['central_print'], defaultMethod: 'central_print' });
    const inv = await f.invoice(companyId, await f.person());
    await h.sql`UPDATE invoices SET status = 'sent', central_print_count = 1 WHERE id = ${inv.id}`;
    const before = print.requests.length;
    await sendAndSettle([inv.id]);
    expect(print.requests.length - before).toBe(1);
    const r = await row(inv.id);
    expect(r).toMatchObject({ status: 'sent', central_print_count: 1, pending_workflow_id: null });
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'send_failed', error: 'delivery_rejected' });
    expect(last.message).toContain('The print provider refused the document (HTTP 422');
    expect(last.message).toContain('postal code not deliverable');
  });

  it('concurrent sends of one invoice: exactly one accepted, the others refused while it waits', async () => {
    // A long undo window keeps the accepted send pending through every request: with none, the
    // first could be delivered (and the invoice, sent, be sendable again) before a slow request reads it.
    const companyId = await f.company({ activeMethods: ['central_print', 'email'], defaultMethod: 'central_print', fallbackMethod: 'email', undoWindowSeconds: 3600 });
    const inv = await f.invoice(companyId, await f.person({ email: 'sixfold@example.com' }));
    // Six open connections, so that the six transactions overlap instead of queueing for a connection.
    await Promise.all(Array.from({ length: 6 }, () => h.sql`SELECT pg_sleep(0.05)`));

    const concurrent = await Promise.all(Array.from({ length: 6 }, () => h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } })));
    const results = concurrent.flatMap((r) => r.json.results);
    const accepted = results.filter((r: { accepted: boolean }) => r.accepted);
    expect(accepted).toHaveLength(1);
    expect(results.filter((r: { accepted: boolean }) => !r.accepted)).toEqual(
      Array.from({ length: 5 }, () => ({ invoiceId: inv.id, accepted: false, error: { code: 'invalid_status', message: 'The invoice is already waiting to be sent.' } })),
    );
    expect(await h.sql`SELECT status, pending_workflow_id FROM invoices WHERE id = ${inv.id}`).toEqual([{ status: 'pending_send', pending_workflow_id: accepted[0].workflowId }]);
    expect((await history(h, inv.id)).filter((e) => e.type === 'send_requested')).toHaveLength(1);

    // Crediting it inside the window undoes the one send: nothing was printed.
    const before = print.requests.length;
    const credit = await h.request('POST', `/v1/invoices/${inv.id}/credit`, { key, body: {} });
    expect(credit.json).toMatchObject({ undone: true, invoice: { status: 'credited' } });
    await h.client.workflow.getHandle(accepted[0].workflowId).result();
    expect(print.requests.length).toBe(before);
    expect((await row(inv.id)).central_print_count).toBe(0);
  });

  it('at most three central-print deliveries per invoice: the fourth goes by the fallback, saying why', async () => {
    print.answer([{ status: 201, json: { jobId: 'PJ-3' } }]);
    const companyId = await f.company({ activeMethods: ['central_print', 'email'], defaultMethod: 'central_print', fallbackMethod: 'email' });
    const inv = await f.invoice(companyId, await f.person({ email: 'fourth@example.com' }));
    await h.sql`UPDATE invoices SET central_print_count = 2 WHERE id = ${inv.id}`;

    await sendAndSettle([inv.id]);
    expect((await row(inv.id)).central_print_count).toBe(3);
    expect((await history(h, inv.id)).at(-1)).toMatchObject({ type: 'sent', method: 'central_print' });

    // The fourth time central print is not eligible: the fallback carries it, and the history says why.
    await sendAndSettle([inv.id]);
    const r = await row(inv.id);
    expect(r.central_print_count).toBe(3);
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'sent', method: 'email' });
    expect(last.message).toContain('the invoice has already been sent by central print 3 times (at most 3)');
  });

  it('an incomplete address is not eligible for central print', async () => {
    const companyId = await f.company({ activeMethods: ['central_print'], defaultMethod: 'central_print' });
    const inv = await f.invoice(companyId, await f.person({ address: { ...ADDRESS, postalCode: '1135' } }));
    await sendAndSettle([inv.id]);
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last.type).toBe('send_failed');
    expect(last.message).toContain('the postal code "1135" is not a Swedish five-digit postal code');
  });
});

describe('e-invoice via Pagero', () => {
  it('a 500 then success: one UBL document, valid PEPPOL BIS 3, bearer auth, Pagero id in the history', async () => {
    pagero.answer([{ status: 500, text: 'oops' }, { status: 201, json: { documentId: 'PG-4711' } }]);
    const companyId = await f.company({ activeMethods: ['e_invoice', 'email'], defaultMethod: 'email' });
    const orgId = await f.organization({ name: 'Byggbolaget Åkesson AB', peppolId: '0007:5567321707', distributionMethod: 'e_invoice' });
    const refId = await f.reference(orgId, { name: 'Karin Ref', email: 'karin@bygg.example' });
    await h.sql`UPDATE companies SET link_invoice_to_organization = true WHERE id = ${companyId}`;
    const inv = await f.invoice(companyId, await f.person({ organizationId: orgId }), { invoiceReferenceId: refId });
    const before = pagero.requests.length;
    const [{ workflowId }] = await sendAndSettle([inv.id]);

    const mine = pagero.requests.slice(before);
    expect(mine).toHaveLength(2);
    expect(mine.every((r) => r.headers['idempotency-key'] === workflowId && r.headers.authorization === 'Bearer pagero-token')).toBe(true);
    expect(mine[1].path).toBe('/api/interchanges');
    const ubl = mine[1].body.toString('utf8');
    expect(ubl).toContain('<cbc:BuyerReference>Karin Ref</cbc:BuyerReference>');
    expect(ubl).toContain('<cbc:EndpointID schemeID="0007">5567321707</cbc:EndpointID>');
    expect(ubl).toContain(`<cbc:PaymentID>${inv.ocr}</cbc:PaymentID>`);
    const report = await validatePeppol(ubl);
    expect(report.schemaErrors).toEqual([]);
    expect(report.fatal).toEqual([]);

    expect((await row(inv.id)).status).toBe('sent');
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'sent', method: 'e_invoice', recipient: 'PEPPOL 0007:5567321707' });
    expect(last.message).toContain('Pagero document PG-4711.');
    const docs = await h.request('GET', `/v1/invoices/${inv.id}/documents`, { key });
    expect(docs.json.items).toEqual([expect.objectContaining({ kind: 'ubl', contentType: 'application/xml' })]);
  });

  it('a 4xx from Pagero is final and the invoice is restored', async () => {
    pagero.answer([{ status: 400, text: 'Unknown receiver' }]);
    const companyId = await f.company({ activeMethods: ['e_invoice'], defaultMethod: 'e_invoice', linkInvoiceToOrganization: true });
    const orgId = await f.organization({ peppolId: '0007:5567321707' });
    const inv = await f.invoice(companyId, await f.person({ organizationId: orgId }));
    const before = pagero.requests.length;
    await sendAndSettle([inv.id]);
    expect(pagero.requests.length - before).toBe(1);
    expect((await row(inv.id)).status).toBe('unsent');
    expect((await history(h, inv.id)).at(-1)!.message).toContain('Pagero refused the document (HTTP 400: Unknown receiver)');
  });
});

describe('Autogiro', () => {
  it("adds one TK82 per invoice to the company's payment file of the day; every record 80 characters", async () => {
    const companyId = await f.company({ activeMethods: ['autogiro', 'email'], defaultMethod: 'autogiro', fallbackMethod: 'email' }, { autogiroCustomerNumber: '4711', bankgiro: '5050-1055' });
    const p1 = await f.person({ name: 'Ada Andersson' });
    const p2 = await f.person({ name: 'Bo Berg', email: 'bo@example.com' });
    for (const [personId, payerNumber] of [[p1, '19800101'], [p2, '556677']] as const) {
      const res = await h.request('POST', `/v1/companies/${companyId}/autogiro-mandates`, { key, body: { personId, payerNumber, status: 'active' } });
      expect(res.status).toBe(201);
    }
    const mandates = await h.request('GET', `/v1/companies/${companyId}/autogiro-mandates`, { key });
    expect(mandates.json.items).toHaveLength(2);
    const i1 = await f.invoice(companyId, p1, { dueDate: '2099-12-28' });
    const i2 = await f.invoice(companyId, p2, { dueDate: '2099-12-30' });
    const noMandate = await f.invoice(companyId, await f.person({ name: 'Cecilia', email: 'c@example.com' }));
    await sendAndSettle([i1.id, i2.id, noMandate.id]);

    const dir = path.join(h.outboxDir, 'autogiro', companyId);
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^autogiro-004711-\d{8}\.txt$/);
    const raw = await readFile(path.join(dir, files[0]), 'latin1');
    const parsed = parseAutogiroFile(raw);
    expect(parsed.lines.every((l) => l.length === 80)).toBe(true);
    expect(raw.endsWith('\r\n')).toBe(true);
    expect(parsed.opening).toMatchObject({ tk: '01', layoutName: 'AUTOGIRO', customerNumber: '004711', bankgiro: '0050501055' });
    expect(parsed.withdrawals).toEqual(
      expect.arrayContaining([
        { tk: '82', paymentDate: '20991228', periodCode: '0', repetitions: '   ', payerNumber: '0000000019800101', amountOre: i1.totalAmount, bankgiro: '0050501055', reference: i1.ocr },
        { tk: '82', paymentDate: '20991230', periodCode: '0', repetitions: '   ', payerNumber: '0000000000556677', amountOre: i2.totalAmount, bankgiro: '0050501055', reference: i2.ocr },
      ]),
    );
    expect(parsed.withdrawals).toHaveLength(2);
    const last = (await history(h, i1.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'sent', method: 'autogiro', recipient: 'Autogiro payer 19800101' });
    // Without a mandate the fallback carries it, and the history says why.
    const fallback = (await history(h, noMandate.id)).at(-1)!;
    expect(fallback).toMatchObject({ type: 'sent', method: 'email' });
    expect(fallback.message).toContain('the payer has no active Autogiro mandate with the company');
  });
});

describe('own printer batches', () => {
  it("merges a send request's own-printer invoices into one batch PDF in customer-name order", async () => {
    const companyId = await f.company({ activeMethods: ['own_printer'], defaultMethod: 'own_printer' });
    const names = ['Örjan Östberg', 'Anna Andersson', 'Bertil Berg'];
    const invoices = [];
    for (const name of names) invoices.push(await f.invoice(companyId, await f.person({ name })));
    await sendAndSettle(invoices.map((i) => i.id));

    const list = await h.request('GET', `/v1/print-batches?companyId=${companyId}`, { key });
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(1);
    const batch = list.json.items[0];
    expect(batch).toMatchObject({ companyId, pageCount: 3 });
    expect(batch.invoiceIds).toEqual([invoices[1].id, invoices[2].id, invoices[0].id]);

    const pdf = await h.request('GET', `/v1/print-batches/${batch.id}`, { key });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const res = await h.app.request(`/v1/print-batches/${batch.id}`, { headers: { authorization: `Bearer ${key}` } });
    const text = await pdfText(Buffer.from(await res.arrayBuffer()));
    const at = names.map((n) => text.indexOf(n));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect(at[1]).toBeLessThan(at[2]);
    expect(at[2]).toBeLessThan(at[0]);

    const other = await h.createTenant('Other');
    expect((await h.request('GET', `/v1/print-batches/${batch.id}`, { key: other })).status).toBe(404);
  });
});

describe('file drops when no endpoint is configured', () => {
  it('central print writes PDF + manifest to the print outbox', async () => {
    const { createPrintProvider } = await import('../channels/print-provider.js');
    const dir = path.join(h.outboxDir, 'print-drop');
    const provider = createPrintProvider({ url: null, token: null, outboxDir: dir });
    const { jobId } = await provider.submit({
      pdf: Buffer.from('%PDF-1.4 test'),
      manifest: { deliveryId: 'send-x', documentType: 'invoice', invoiceNumber: '1', company: { id: 'c', name: 'C', orgNumber: '1' }, recipient: { name: 'N', attention: null, ...ADDRESS }, pages: 1, color: false, duplex: true, postageClass: 'B', envelope: 'C5-window-left' },
    });
    expect(jobId).toBe('file:send-x');
    expect((await readdir(dir)).sort()).toEqual(['send-x.json', 'send-x.pdf']);
    expect(JSON.parse(await readFile(path.join(dir, 'send-x.json'), 'utf8')).recipient.name).toBe('N');
  });
});
