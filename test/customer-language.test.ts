// Language per customer (issue 22): a person's or organisation's language decides the PDF, the
// e-mail and the invoice page; without one the template's, else Swedish. The clerk sets it in the
// back office.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { waitForStatus } from './helpers/fixtures.js';
import { launchChromium, screenshotDir, serveOverHttp } from './helpers/browser.js';
import { pdfText } from './helpers/pdf-text.js';
import path from 'node:path';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

let http: Awaited<ReturnType<typeof serveOverHttp>>;
let browser: Browser;
let companyId: string;

beforeAll(async () => {
  companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
  http = await serveOverHttp(h.app.fetch);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
});

/** Sends the invoice by e-mail; what the customer got: subject, text, PDF text and the page's text. */
async function sendAndRead(invoiceId: string, templateId?: string) {
  const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [invoiceId], ...(templateId ? { templateId } : {}) } });
  expect(res.status, res.text).toBe(202);
  await waitForStatus(h, invoiceId, 'sent');
  const mail = h.smtp.received.find((m) => m.messageId === `<${res.json.results[0].workflowId}@test.invoice-distribution.local>`)!;
  const token = /\/i\/([A-Za-z0-9_-]{43})/.exec(mail.text!)![1];
  const page = await (await fetch(`${http.url}/i/${token}`)).text();
  return { subject: mail.subject!, text: mail.text!, html: mail.html!.toString(), pdf: await pdfText(mail.attachments[0].content), page };
}

describe('language per customer', () => {
  it("an English-speaking person gets the PDF, the e-mail and the page in English, though the company's standard is Swedish", async () => {
    const personId = await f.person({ name: 'John Smith', email: 'john@example.com', language: 'en' });
    expect((await h.request('GET', `/v1/persons/${personId}`, { key })).json.language).toBe('en');
    const inv = await f.invoice(companyId, personId);
    const got = await sendAndRead(inv.id);
    expect(got.subject).toBe(`Invoice ${inv.number} from Friskvården Gym AB`);
    expect(got.text.replace(/\s+/g, ' ')).toContain('Amount to pay: SEK 4,301.44');
    expect(got.text).toContain('View the invoice: ');
    expect(got.html).toContain('View the invoice');
    expect(got.pdf).toContain('Invoice number');
    expect(got.pdf).toContain('Scan with your bank app');
    expect(got.page).toContain('<html lang="en"');
    expect(got.page).toContain('Download PDF');
  });

  it("the customer's language wins over the template's; without one, the template's", async () => {
    const english = await f.template(companyId, { name: 'English', language: 'en' });
    const swede = await f.person({ name: 'Sven Svensson', email: 'sven@example.com', language: 'sv' });
    const got = await sendAndRead((await f.invoice(companyId, swede)).id, english);
    expect(got.subject).toMatch(/^Faktura \d+ från /);
    expect(got.pdf).toContain('Fakturanummer');
    expect(got.page).toContain('<html lang="sv"');

    const unsaid = await f.person({ name: 'Ulla Utan', email: 'ulla@example.com' });
    expect((await h.request('GET', `/v1/persons/${unsaid}`, { key })).json.language).toBeNull();
    const viaTemplate = await sendAndRead((await f.invoice(companyId, unsaid)).id, english);
    expect(viaTemplate.subject).toMatch(/^Invoice \d+ from /);
    const plain = await sendAndRead((await f.invoice(companyId, unsaid)).id);
    expect(plain.subject).toMatch(/^Faktura \d+ från /);
  });

  it('an organisation the invoice is linked to speaks its own language', async () => {
    const linked = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0, linkInvoiceToOrganization: true }, { name: 'Simhallen AB' });
    const orgId = await f.organization({ name: 'Global Ltd', email: 'ap@global.example', language: 'en' });
    const personId = await f.person({ name: 'Karin Korp', email: 'karin@example.com', language: 'sv', organizationId: orgId });
    const got = await sendAndRead((await f.invoice(linked, personId, { organizationId: orgId })).id);
    expect(got.subject).toMatch(/^Invoice \d+ from Simhallen AB$/);
  });

  it('refuses a language it does not write', async () => {
    const res = await h.request('POST', '/v1/persons', { key, body: { name: 'Hans', language: 'de' } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual(['language']);
  });

  it('the clerk sets the language on the customer page in the back office', async () => {
    const personId = await f.person({ name: 'Maria Muller', email: 'maria@example.com' });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${http.url}/app`);
    await page.getByLabel('API-nyckel').fill(key);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL('**/app/invoices');
    await page.goto(`${http.url}/app/customers/persons/${personId}`);
    await page.getByLabel('Språk på fakturor och e-post').selectOption('en');
    await page.getByRole('button', { name: 'Spara' }).click();
    await page.waitForURL(`**/app/customers/persons/${personId}?saved=1`);
    expect(await page.getByLabel('Språk på fakturor och e-post').inputValue()).toBe('en');
    await page.screenshot({ path: path.join(await screenshotDir('invoice-page'), 'customer-language.png'), fullPage: true });
    expect((await h.request('GET', `/v1/persons/${personId}`, { key })).json.language).toBe('en');
    await page.getByLabel('Språk på fakturor och e-post').selectOption('');
    await page.getByRole('button', { name: 'Spara' }).click();
    await page.waitForURL(`**/app/customers/persons/${personId}?saved=1`);
    expect((await h.request('GET', `/v1/persons/${personId}`, { key })).json.language).toBeNull();
    await page.close();
  });
});
