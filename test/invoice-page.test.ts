// The invoice page (issue 22): an e-mailed invoice's link opens it in Chromium without a login —
// lines, totals, payment details, the payment QR (decoded from the screenshot), Swish, the PDF —
// and the first view is recorded once (history `viewed`, event `invoice.viewed`, viewedAt).
// Unknown, expired and guessed links are the same 404 page; too many misses are throttled.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitForStatus } from './helpers/fixtures.js';
import { launchChromium, screenshotDir, serveOverHttp } from './helpers/browser.js';
import { decodeQrPng } from './helpers/qr.js';
import { pdfText } from './helpers/pdf-text.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

let http: Awaited<ReturnType<typeof serveOverHttp>>;
let browser: Browser;
let page: Page;
let shots: string;
const sent = { invoiceId: '', number: '', ocr: '', total: 0, workflowId: '', token: '', otherInvoiceId: '' };

const linkIn = (text: string) => /https?:\/\/[^\s]+\/i\/([A-Za-z0-9_-]{43})(?=\s|$)/.exec(text);

beforeAll(async () => {
  const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 }, { swishNumber: '123 456 78 90' });
  const personId = await f.person({ name: 'Åsa Öberg', email: 'asa@example.com' });
  const inv = await f.invoice(companyId, personId);
  const other = await f.invoice(companyId, personId);
  const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
  expect(res.status, res.text).toBe(202);
  await waitForStatus(h, inv.id, 'sent');
  const workflowId = res.json.results[0].workflowId as string;
  const mail = h.smtp.received.find((m) => m.messageId === `<${workflowId}@test.invoice-distribution.local>`);
  const link = linkIn(mail?.text ?? '');
  expect(link, mail?.text).not.toBeNull();
  Object.assign(sent, { invoiceId: inv.id, number: inv.number, ocr: inv.ocr, total: inv.totalAmount, workflowId, token: link![1], otherInvoiceId: other.id });

  http = await serveOverHttp(h.app.fetch);
  browser = await launchChromium();
  shots = await screenshotDir('invoice-page');
  page = await (await browser.newContext({ viewport: { width: 900, height: 1100 }, acceptDownloads: true })).newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
});

describe('the invoice page', () => {
  it('the token is 256 random bits kept only as its hash, with the delivery and an expiry 90 days after the due date', async () => {
    expect(Buffer.from(sent.token, 'base64url')).toHaveLength(32);
    const rows = await h.sql`SELECT token_hash, workflow_id, invoice_id, expires_at, to_jsonb(l.*)::text AS everything FROM invoice_links l`;
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0].token_hash).equals(createHash('sha256').update(sent.token).digest())).toBe(true);
    expect(rows[0].everything).not.toContain(sent.token);
    expect(rows[0]).toMatchObject({ workflow_id: sent.workflowId, invoice_id: sent.invoiceId });
    // Due 2026-11-30: good through 2027-02-28 in Sweden.
    expect(new Date(rows[0].expires_at).toISOString()).toBe('2027-02-28T23:00:00.000Z');
  });

  it('a HEAD request (a link checker) is not a view', async () => {
    const head = await fetch(`${http.url}/i/${sent.token}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect((await history(h, sent.invoiceId)).map((e) => e.type)).not.toContain('viewed');
  });

  it('opens without a login in Chromium: lines, totals, payment details, QR, Swish; headers keep it out of indexes, caches and referrers', async () => {
    const res = await page.goto(`${http.url}/i/${sent.token}`);
    expect(res?.status()).toBe(200);
    const headers = res!.headers();
    expect(headers['x-robots-tag']).toContain('noindex');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cache-control']).toBe('no-store');
    const body = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    for (const s of ['Friskvården Gym AB', 'Faktura', sent.number, sent.ocr, 'Årskort gym', 'Handduk', 'Summa exkl. moms', 'Att betala', '4 301,44 kr', '5050-1055', 'Förfallodatum', '2026-11-30', 'Swish-nummer', '1234567890', 'Skanna med bankappen']) {
      expect(body).toContain(s);
    }
    const swish = await page.getByRole('link', { name: 'Betala med Swish' }).getAttribute('href');
    const data = JSON.parse(decodeURIComponent(swish!.replace(/^swish:\/\/payment\?data=/, '')));
    expect(data).toEqual({ version: 1, payee: { value: '1234567890' }, amount: { value: 4301.44 }, message: { value: sent.ocr, editable: false } });
    const shot = await page.screenshot({ path: path.join(shots, 'invoice-page.png'), fullPage: true });
    const qr = JSON.parse(decodeQrPng(shot)!);
    expect(qr).toEqual({ uqr: 1, tp: 1, nme: 'Friskvården Gym AB', cid: '556677-8899', iref: sent.ocr, idt: '20261101', ddt: '20261130', due: 4301.44, pt: 'BG', acc: '5050-1055' });
  });

  it('the first view writes viewed once, emits invoice.viewed once and sets viewedAt; the PDF downloads from the page', async () => {
    await page.goto(`${http.url}/i/${sent.token}`); // a second view
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Ladda ner PDF' }).click();
    const pdf = await readFile((await (await download).path())!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(await pdfText(pdf)).toContain(sent.number);
    const pdfRes = await fetch(`${http.url}/i/${sent.token}/pdf`);
    expect(pdfRes.headers.get('x-robots-tag')).toContain('noindex');
    expect(pdfRes.headers.get('cache-control')).toBe('no-store');
    expect(pdfRes.headers.get('content-disposition')).toBe(`attachment; filename="faktura-${sent.number}.pdf"`);

    const viewed = (await history(h, sent.invoiceId)).filter((e) => e.type === 'viewed');
    expect(viewed).toHaveLength(1);
    expect(viewed[0]).toMatchObject({ method: 'email', workflow_id: sent.workflowId });
    expect(viewed[0].message).toBe("The customer opened the invoice's page from the e-mail.");
    const events = await h.request('GET', '/v1/events?type=invoice.viewed', { key });
    expect(events.json.items.map((e: { invoiceId: string }) => e.invoiceId)).toEqual([sent.invoiceId]);
    expect(events.json.items[0].data.invoice.viewedAt).toEqual(expect.any(String));
    const invoice = await h.request('GET', `/v1/invoices/${sent.invoiceId}`, { key });
    expect(invoice.json.viewedAt).toBe(events.json.items[0].data.invoice.viewedAt);
    const other = await h.request('GET', `/v1/invoices/${sent.otherInvoiceId}`, { key });
    expect(other.json.viewedAt).toBeNull();
  });

  it('the back office shows Öppnad on the invoice and in the list, for the opened invoice only', async () => {
    const clerk = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await clerk.goto(`${http.url}/app`);
    await clerk.getByLabel('API-nyckel').fill(key);
    await clerk.getByRole('button', { name: 'Logga in' }).click();
    await clerk.waitForURL('**/app/invoices');
    const rowOf = (number: string) => clerk.locator('tr', { has: clerk.getByRole('link', { name: number, exact: true }) });
    await expect.poll(() => rowOf(sent.number).innerText()).toContain('Öppnad');
    const [other] = await h.sql`SELECT number FROM invoices WHERE id = ${sent.otherInvoiceId}`;
    expect(await rowOf(other.number).innerText()).not.toContain('Öppnad');
    await clerk.screenshot({ path: path.join(shots, 'back-office-list.png'), fullPage: true });
    await clerk.goto(`${http.url}/app/invoices/${sent.invoiceId}`);
    expect(await clerk.locator('dl.facts').innerText()).toContain('Öppnad');
    expect(await clerk.locator('table.history').innerText()).toContain("The customer opened the invoice's page from the e-mail.");
    await clerk.screenshot({ path: path.join(shots, 'back-office-invoice.png'), fullPage: true });
    await clerk.close();
  });

  it("another invoice is not reachable by its id, an unknown token or the PDF path; all are the same 404 page", async () => {
    for (const p of [`/i/${sent.otherInvoiceId}`, `/i/${sent.invoiceId}`, `/i/${randomBytes(32).toString('base64url')}`, `/i/${sent.otherInvoiceId}/pdf`]) {
      const res = await page.goto(`${http.url}${p}`);
      expect(res?.status(), p).toBe(404);
      expect(res!.headers()['x-robots-tag']).toContain('noindex');
      expect(await page.locator('h1').innerText()).toBe('Sidan finns inte');
    }
    await page.screenshot({ path: path.join(shots, 'not-found.png') });
    const api = await fetch(`${http.url}/i/${sent.otherInvoiceId}`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toBe('application/problem+json');
    expect(await api.json()).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('an expired link is the 404 page, for the page and its PDF', async () => {
    await h.sql`UPDATE invoice_links SET expires_at = now() - interval '1 second' WHERE workflow_id = ${sent.workflowId}`;
    expect((await page.goto(`${http.url}/i/${sent.token}`))?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('Sidan finns inte');
    expect((await fetch(`${http.url}/i/${sent.token}/pdf`)).status).toBe(404);
    await h.sql`UPDATE invoice_links SET expires_at = now() + interval '1 day' WHERE workflow_id = ${sent.workflowId}`;
  });

  it('guessing is throttled like sign-in: after 20 misses in a minute, 429 with Retry-After; a real link still opens', async () => {
    let last: Response | null = null;
    for (let i = 0; i < 25; i++) {
      last = await fetch(`${http.url}/i/${randomBytes(32).toString('base64url')}`);
      if (last.status === 429) break;
      expect(last.status).toBe(404);
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('content-type')).toBe('application/problem+json');
    expect((await fetch(`${http.url}/i/${sent.token}`)).status).toBe(200);
  });
});
