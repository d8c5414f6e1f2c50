import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history } from './helpers/fixtures.js';
import { pdfText } from './helpers/pdf-text.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

async function send(invoiceIds: string[]) {
  const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds } });
  expect(res.status).toBe(202);
  for (const r of res.json.results) await h.client.workflow.getHandle(r.workflowId).result();
  return res.json.results as { invoiceId: string; workflowId: string }[];
}
const printDir = () => path.join(h.outboxDir, 'print');
const manifests = async () =>
  Promise.all((await readdir(printDir()).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).map(async (n) => JSON.parse(await readFile(path.join(printDir(), n), 'utf8'))));

describe('one envelope per customer', () => {
  it('central print: a customer\'s three invoices go as one job — address page, then each invoice — another customer\'s alone, and an invoice that goes by e-mail is not waited for', async () => {
    const companyId = await f.company({ activeMethods: ['email', 'central_print'], defaultMethod: 'email', fallbackMethod: 'central_print' });
    const berit = await f.person({ name: 'Berit Brevlåda', email: null, address: { street: 'Kuvertgatan 3', postalCode: '112 22', city: 'Stockholm', country: 'SE' } });
    const [a, b, c, byEmail] = [await f.invoice(companyId, berit), await f.invoice(companyId, berit), await f.invoice(companyId, berit), await f.invoice(companyId, berit)];
    expect((await h.request('PATCH', `/v1/invoices/${byEmail.id}`, { key, body: { email: 'berit.jobb@example.com' } })).status).toBe(200);
    const alone = await f.invoice(companyId, await f.person({ name: 'Ensam Ek', email: null }));
    const before = new Set((await manifests()).map((m) => m.deliveryId));

    const results = await send([a.id, b.id, c.id, byEmail.id, alone.id]);
    const wf = Object.fromEntries(results.map((r) => [r.invoiceId, r.workflowId]));
    const jobs = (await manifests()).filter((m) => !before.has(m.deliveryId));
    expect(jobs).toHaveLength(2);

    const envelope = jobs.find((m) => m.letters)!;
    expect(envelope.deliveryId).toMatch(/^env_/);
    expect(envelope.recipient).toMatchObject({ name: 'Berit Brevlåda', street: 'Kuvertgatan 3', postalCode: '112 22', city: 'Stockholm' });
    expect(envelope.letters).toEqual([a, b, c].map((inv) => ({ deliveryId: wf[inv.id], documentType: 'invoice', invoiceNumber: inv.number, pages: 1 })));
    // The address page and each one-page invoice, each followed by a blank back (duplex).
    expect(envelope.pages).toBe(8);
    const pdf = await readFile(path.join(printDir(), `${envelope.deliveryId}.pdf`));
    expect((await PDFDocument.load(pdf)).getPageCount()).toBe(8);
    const text = await pdfText(pdf);
    expect(text.indexOf('Det här kuvertet innehåller 3 brev från Friskvården Gym AB')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('Berit Brevlåda')).toBeLessThan(text.indexOf(`Faktura ${a.number}`));
    for (const inv of [a, b, c]) expect(text).toContain(inv.ocr);

    const single = jobs.find((m) => !m.letters)!;
    expect(single).toMatchObject({ deliveryId: wf[alone.id], invoiceNumber: alone.number, recipient: { name: 'Ensam Ek' } });

    // Each invoice counts its own central print, says it was sent, and names the envelope's job.
    for (const inv of [a, b, c]) {
      const [row] = await h.sql`SELECT status, central_print_count FROM invoices WHERE id = ${inv.id}`;
      expect(row).toEqual({ status: 'sent', central_print_count: 1 });
      expect((await history(h, inv.id)).at(-1)).toMatchObject({ type: 'sent', method: 'central_print' });
      const [d] = await h.sql`SELECT external_id FROM deliveries WHERE workflow_id = ${wf[inv.id]}`;
      expect(d.external_id).toBe(`file:${envelope.deliveryId}`);
    }
    expect((await history(h, byEmail.id)).at(-1)).toMatchObject({ type: 'sent', method: 'email', recipient: 'berit.jobb@example.com' });
    expect(h.smtp.received.some((m) => m.to && !Array.isArray(m.to) && m.to.text === 'berit.jobb@example.com')).toBe(true);
  });

  it('central print: seven invoices to one address fill one envelope of six, and the seventh goes alone', async () => {
    const companyId = await f.company({ activeMethods: ['central_print'], defaultMethod: 'central_print' });
    const p = await f.person({ name: 'Många Fakturor' });
    const invs = [];
    for (let i = 0; i < 7; i++) invs.push(await f.invoice(companyId, p));
    const before = new Set((await manifests()).map((m) => m.deliveryId));
    await send(invs.map((i) => i.id));
    const jobs = (await manifests()).filter((m) => !before.has(m.deliveryId));
    expect(jobs.map((m) => m.letters?.length ?? 1).sort()).toEqual([1, 6]);
    const numbers = jobs.flatMap((m) => (m.letters ? m.letters.map((l: { invoiceNumber: string }) => l.invoiceNumber) : [m.invoiceNumber]));
    expect(numbers.sort()).toEqual(invs.map((i) => i.number).sort());
    const counts = await h.sql`SELECT central_print_count FROM invoices WHERE id = ANY(${invs.map((i) => i.id)}::text[])`;
    expect(counts.map((c) => c.central_print_count)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('central print with the setting off: a job per invoice, as before', async () => {
    const companyId = await f.company({ activeMethods: ['central_print'], defaultMethod: 'central_print', combineEnvelopes: false });
    const p = await f.person({ name: 'Utan Kuvert' });
    const invs = [await f.invoice(companyId, p), await f.invoice(companyId, p)];
    const before = new Set((await manifests()).map((m) => m.deliveryId));
    const results = await send(invs.map((i) => i.id));
    const jobs = (await manifests()).filter((m) => !before.has(m.deliveryId));
    expect(jobs.map((m) => m.deliveryId).sort()).toEqual(results.map((r) => r.workflowId).sort());
    expect(jobs.every((m) => !m.letters && m.pages === 1)).toBe(true);
  });

  it('own printer: the batch PDF puts a customer\'s two invoices after one address page; with the setting off, none', async () => {
    for (const combine of [true, false]) {
      const companyId = await f.company({ activeMethods: ['own_printer'], defaultMethod: 'own_printer', combineEnvelopes: combine });
      const p = await f.person({ name: 'Greta Gren' });
      const q = await f.person({ name: 'Olle Ost' });
      const invs = [await f.invoice(companyId, p), await f.invoice(companyId, p), await f.invoice(companyId, q)];
      await send(invs.map((i) => i.id));
      const list = await h.request('GET', `/v1/print-batches?companyId=${companyId}`, { key });
      const res = await h.app.request(`/v1/print-batches/${list.json.items[0].id}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      const pdf = Buffer.from(await res.arrayBuffer());
      const text = await pdfText(pdf);
      // Greta's envelope: address page + blank, two invoices + blanks; Olle's single invoice as it is.
      expect((await PDFDocument.load(pdf)).getPageCount()).toBe(combine ? 7 : 3);
      expect(text.includes('Det här kuvertet innehåller 2 brev')).toBe(combine);
      for (const inv of invs) expect(text).toContain(inv.ocr);
    }
  });
});
