// Kunder in a real browser: a person's personal data erased from the customer page — a
// confirmation page first; refused while an invoice is open, with the reason in Swedish; then
// erased, with the documents kept under the Bookkeeping Act listed with the end of their retention.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { useTestService, type TestService } from './helpers/service.js';
import { waitForStatus } from './helpers/fixtures.js';
import { signedInBackOffice } from './helpers/browser.js';

let s: TestService;
useTestService((t) => (s = t));

let browser: Browser;
let http: { url: string; close(): Promise<void> };
let shots: string;
let page: Page;
const ids: Record<string, string> = {};
const POLL = { timeout: 10_000 };

beforeAll(async () => {
  const { f, h, key } = s;
  const company = await f.company({ activeMethods: ['own_printer'], defaultMethod: 'own_printer', undoWindowSeconds: 0 });
  ids.person = await f.person({ name: 'Greta Raderasson', email: 'greta.raderasson@example.se', personalIdentityNumber: '197701032380' });
  ids.invoice = (await f.invoice(company, ids.person)).id;
  await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [ids.invoice] } });
  await waitForStatus(h, ids.invoice, 'sent', 60_000);

  ({ http, browser, page, shots } = await signedInBackOffice(h.app.fetch, key));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
});

describe('Radera personuppgifter in the browser', () => {
  it('asks for confirmation and a reason, refuses while an invoice is unpaid, then erases and lists what is kept', async () => {
    const { h, key } = s;
    await page.goto(`${http.url}/app/customers/persons/${ids.person}`);
    const section = page.locator('section[aria-labelledby="erase-h"]');
    await expect.poll(() => section.getByRole('heading', { level: 2 }).innerText(), POLL).toBe('Radera personuppgifter');
    await section.getByRole('link', { name: 'Radera personuppgifter…' }).click();
    await page.waitForURL(`**/app/customers/persons/${ids.person}/erase`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('Greta Raderasson');
    await page.screenshot({ path: path.join(shots, '30-radera-bekrafta.png'), fullPage: true });

    // No reason: the field says so, nothing erased.
    await page.getByRole('button', { name: 'Bekräfta radering' }).click();
    await expect.poll(() => page.getByLabel('Skäl').getAttribute('aria-invalid'), POLL).toBe('true');
    expect((await h.sql`SELECT name FROM persons WHERE id = ${ids.person}`)[0].name).toBe('Greta Raderasson');

    // The invoice is sent but not paid: refused, in Swedish, nothing erased.
    await page.getByLabel('Skäl').fill('Begäran från kunden');
    await page.getByRole('button', { name: 'Bekräfta radering' }).click();
    await expect.poll(() => page.getByRole('alert').innerText(), POLL).toContain('Kunden har fakturor som ännu inte är skickade eller betalda');
    await page.screenshot({ path: path.join(shots, '31-radera-nekad.png'), fullPage: true });
    expect((await h.sql`SELECT name, erased_at FROM persons WHERE id = ${ids.person}`)[0]).toEqual({ name: 'Greta Raderasson', erased_at: null });

    // Paid: erased, and the kept invoice PDF listed with the end of its retention.
    expect((await h.request('POST', `/v1/invoices/${ids.invoice}/mark-paid`, { key, body: {} })).status).toBe(200);
    await page.getByLabel('Skäl').fill('Begäran från kunden');
    await page.getByRole('button', { name: 'Bekräfta radering' }).click();
    await expect.poll(() => page.getByRole('status').innerText(), POLL).toContain('Personuppgifterna är raderade');
    const [doc] = await h.sql`SELECT id FROM documents WHERE invoice_id = ${ids.invoice} AND kind = 'invoice_pdf'`;
    const row = page.locator('tr', { hasText: doc.id });
    expect(await row.innerText()).toContain('Faktura (PDF)');
    expect(await row.innerText()).toContain('2033-12-31');
    await page.screenshot({ path: path.join(shots, '32-radera-klar.png'), fullPage: true });
    const [person] = await h.sql`SELECT name, email, personal_identity_number, erased_at FROM persons WHERE id = ${ids.person}`;
    expect(person).toMatchObject({ name: '[raderad]', email: '[raderad]', personal_identity_number: null });
    expect(person.erased_at).not.toBeNull();
    expect((await h.sql`SELECT reason FROM person_erasures WHERE person_id = ${ids.person}`).map((r) => r.reason)).toEqual(['Begäran från kunden']);
  });
});
