// The HTML e-mail (issue 22): invoice and reminder e-mails as the real SMTP server received them —
// multipart/alternative (text and HTML) with the PDF attached and the logo inline — the facility's
// name and logo, amount, due date, OCR, bankgiro and a button to the invoice page that opens it;
// the HTML part rendered in Chromium for a screenshot.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import type { Browser } from 'playwright-core';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { waitForStatus } from './helpers/fixtures.js';
import { launchChromium, screenshotDir, serveOverHttp } from './helpers/browser.js';
import { pdfText } from './helpers/pdf-text.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

let http: Awaited<ReturnType<typeof serveOverHttp>>;
let browser: Browser;
let shots: string;
let companyId: string;

/** A 160×48 logo: a dark blue bar with a lighter square, as a PNG. */
function logoPng(): Buffer {
  const png = new PNG({ width: 160, height: 48 });
  for (let y = 0; y < 48; y++) for (let x = 0; x < 160; x++) {
    const i = (y * 160 + x) * 4;
    const inner = x > 8 && x < 48 && y > 8 && y < 40;
    png.data.set(inner ? [240, 180, 40, 255] : [31, 58, 95, 255], i);
  }
  return PNG.sync.write(png);
}

const received = (workflowId: string) => h.smtp.received.find((m) => m.messageId === `<${workflowId}@test.invoice-distribution.local>`)!;
const fold = (s: string) => s.replace(/\s+/g, ' ');

beforeAll(async () => {
  companyId = await f.company(
    { activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0, reminderDistribution: true },
    { logo: { contentType: 'image/png', data: logoPng().toString('base64') } },
  );
  http = await serveOverHttp(h.app.fetch);
  browser = await launchChromium();
  shots = await screenshotDir('invoice-email');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
});

/** The HTML part as a mail client shows it (mailparser has put the message's own cid: logo in as a data URL). */
async function screenshotHtml(mail: ReturnType<typeof received>, file: string) {
  const html = mail.html!.toString();
  const page = await (await browser.newContext({ viewport: { width: 700, height: 800 } })).newPage();
  await page.setContent(html);
  const button = page.getByRole('link');
  await page.screenshot({ path: path.join(shots, file), fullPage: true });
  const logoShown = await page.locator('img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
  const href = await button.getAttribute('href');
  const name = await button.innerText();
  await page.close();
  return { href, name, logoShown };
}

describe('the invoice e-mail', () => {
  it('is multipart/alternative with the PDF attached and the logo inline; both parts carry amount, due date, OCR, bankgiro and the link', async () => {
    const inv = await f.invoice(companyId, await f.person({ name: 'Åsa Öberg', email: 'asa@example.com' }));
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    await waitForStatus(h, inv.id, 'sent');
    const mail = received(res.json.results[0].workflowId);

    const raw = mail.raw.toString('latin1');
    expect(raw).toMatch(/^Content-Type: multipart\/mixed;/m);
    expect(raw).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(raw).toMatch(/^Content-Type: multipart\/related;/m);
    expect(raw).toMatch(/^Content-Type: text\/plain; charset=utf-8/m);
    expect(raw).toMatch(/^Content-Type: text\/html; charset=utf-8/m);
    expect(mail.subject).toBe(`Faktura ${inv.number} från Friskvården Gym AB`);

    const pdf = mail.attachments.filter((a) => a.contentType === 'application/pdf');
    expect(pdf).toHaveLength(1);
    expect(pdf[0].filename).toBe(`faktura-${inv.number}.pdf`);
    expect(await pdfText(pdf[0].content)).toContain(inv.ocr);
    const logo = mail.attachments.filter((a) => a.contentType === 'image/png');
    expect(logo).toHaveLength(1);
    expect(logo[0].contentDisposition).toBe('inline');

    const link = /(https?:\/\/\S+\/i\/([A-Za-z0-9_-]{43}))/.exec(mail.text!)!;
    expect(link).not.toBeNull();
    const text = fold(mail.text!);
    for (const s of ['Att betala: 4 301,44 kr', 'Förfallodatum: 2026-11-30', 'Bankgiro: 5050-1055', `OCR-nummer: ${inv.ocr}`, `Visa fakturan: ${link[1]}`, 'Friskvården Gym AB']) {
      expect(text).toContain(s);
    }
    const html = fold(mail.html!.toString());
    for (const s of ['Friskvården Gym AB', 'Att betala', '4 301,44 kr', '2026-11-30', '5050-1055', inv.ocr, `href="${link[1]}"`, 'Visa fakturan', `src="data:image/png;base64,${logo[0].content.toString('base64')}"`]) {
      expect(html).toContain(s);
    }
    // As sent, the HTML names the logo by its content id, attached beside it in multipart/related.
    expect(raw.replace(/=\r\n/g, '')).toContain(`src=3D"cid:${logo[0].contentId!.replace(/^<|>$/g, '')}"`);

    const shown = await screenshotHtml(mail, 'invoice-email.png');
    expect(shown).toEqual({ href: link[1], name: 'Visa fakturan', logoShown: [160] });
    // The button's link opens the invoice page.
    const page = await fetch(`${http.url}/i/${link[2]}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(inv.ocr);
  });

  it('a reminder e-mail says Påminnelse, its new total and pay-by date, and links to the reminder', async () => {
    const inv = await f.invoice(companyId, await f.person({ name: 'Bo Berg', email: 'bo@example.com' }), { issueDate: '2026-09-01', dueDate: '2026-10-01' });
    await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    await waitForStatus(h, inv.id, 'sent');
    const res = await h.request('POST', '/v1/invoices/send-reminders', { key, body: { invoiceIds: [inv.id] } });
    expect(res.status, res.text).toBe(202);
    await waitForStatus(h, inv.id, 'reminder');
    const mail = received(res.json.results[0].workflowId);
    expect(mail.subject).toBe(`Påminnelse 1 för faktura ${inv.number} från Friskvården Gym AB`);
    expect(mail.attachments.filter((a) => a.contentType === 'application/pdf').map((a) => a.filename)).toEqual([`paminnelse-${inv.number}.pdf`]);
    const html = fold(mail.html!.toString());
    for (const s of ['Påminnelse 1 för faktura', 'Ursprungligt förfallodatum', '2026-10-01', '5050-1055', inv.ocr, 'Visa påminnelsen']) {
      expect(html).toContain(s);
    }
    const shown = await screenshotHtml(mail, 'reminder-email.png');
    expect(shown.name).toBe('Visa påminnelsen');
    expect(fold(mail.text!)).toContain(`Visa påminnelsen: ${shown.href}`);
    const token = /\/i\/([A-Za-z0-9_-]{43})$/.exec(shown.href!)![1];
    const page = await fetch(`${http.url}/i/${token}`);
    expect(await page.text()).toContain('Påminnelse 1');
  });
});
