// The back office in a real browser (Debian's chromium driven by playwright-core) against the
// real service: the database rows, received e-mails and workflow outcomes are what is checked.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { useTestService, type TestService } from './helpers/service.js';
import { waitFor, waitForStatus } from './helpers/fixtures.js';
import { PNG } from 'pngjs';
import { launchChromium, screenshotDir, serveOverHttp } from './helpers/browser.js';

/** A 40 × 20 PNG in the gym's colours. */
function smallPng(): Buffer {
  const png = new PNG({ width: 40, height: 20 });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([11, 92, 173, 255], i);
  return PNG.sync.write(png);
}

let s: TestService;
useTestService((t) => (s = t));

let browser: Browser;
let http: { url: string; close(): Promise<void> };
let shots: string;
let context: BrowserContext;
let page: Page;
const UNDO_SECONDS = 20;
const ids: Record<string, string> = {};

beforeAll(async () => {
  const { f } = s;
  // A gym on e-mail with a 20 s undo window; a hall that sends reminders at once.
  ids.gym = await f.company({ activeMethods: ['email', 'central_print'], defaultMethod: 'email', undoWindowSeconds: UNDO_SECONDS }, { name: 'Friskvården Gym AB' });
  ids.hall = await f.company(
    { activeMethods: ['email', 'central_print'], defaultMethod: 'email', reminderDistribution: true, undoWindowSeconds: 0 },
    { name: 'Simhallen i Ankeborg AB' },
  );
  ids.anna = await f.person({ name: 'Anna Andersson', email: 'anna@example.com' });
  ids.bertil = await f.person({ name: 'Bertil Berg', email: 'bertil@example.com' });
  ids.cecilia = await f.person({ name: 'Cecilia Ceder', email: 'cecilia@example.com' });
  ids.invA = (await f.invoice(ids.gym, ids.anna, { number: '7001' })).id;
  ids.invB = (await f.invoice(ids.gym, ids.bertil, { number: '7002' })).id;
  ids.invC = (await f.invoice(ids.gym, ids.cecilia, { number: '7003' })).id;
  // An overdue invoice of the hall, already sent: it is on the dunning list.
  ids.overdue = (await f.invoice(ids.hall, ids.cecilia, { number: '9001', issueDate: '2026-09-01', dueDate: '2026-10-01' })).id;
  const sent = await s.h.request('POST', '/v1/invoices/send', { key: s.key, body: { invoiceIds: [ids.overdue] } });
  expect(sent.status).toBe(202);
  await waitForStatus(s.h, ids.overdue, 'sent');

  http = await serveOverHttp(s.h.app.fetch);
  browser = await launchChromium();
  shots = await screenshotDir('back-office');
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
});

/**
 * Every page the tests photograph is also checked for form controls without a name a screen
 * reader can announce (a <label>, aria-label or aria-labelledby).
 */
async function shot(name: string) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  const unlabelled = await page.evaluate(() => {
    const doc = (globalThis as any).document;
    return [...doc.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter((el: any) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
      .map((el: any) => el.outerHTML as string);
  });
  expect(unlabelled, `unlabelled controls on ${name}`).toEqual([]);
}
const row = (number: string) => page.locator(`tr[data-number="${number}"]`);
const POLL = { timeout: 10_000 };
/** The element's text, polled until the matcher holds (pages reload and refresh themselves). */
const shown = (loc: Locator, timeout = POLL.timeout) => expect.poll(() => loc.innerText(), { timeout });
const mailsTo = (address: string) => s.h.smtp.received.filter((m) => m.to && JSON.stringify(m.to).includes(address));

describe('back office in the browser', () => {
  it('asks for a sign-in and exchanges the API key for an HttpOnly, SameSite=Strict session cookie', async () => {
    await page.goto(`${http.url}/app`);
    expect(new URL(page.url()).pathname).toBe('/app/sign-in');
    await page.getByLabel('API-nyckel').fill('idk_wrong_key');
    await page.getByRole('button', { name: 'Logga in' }).click();
    await shown(page.getByRole('alert')).toBe('API-nyckeln är inte giltig.');
    await shot('01-sign-in');

    await page.getByLabel('API-nyckel').fill(s.key);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL('**/app/invoices');
    const cookie = (await context.cookies()).find((c) => c.name === 'bo_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/app' });
    expect(cookie!.value).not.toContain(s.key);
    const [session] = await s.h.sql`SELECT count(*)::int AS n FROM back_office_sessions`;
    expect(session.n).toBe(1);
  });

  it('sends two selected invoices: both wait with a countdown, one is undone by crediting, the other is sent', async () => {
    await page.goto(`${http.url}/app/invoices?company=${ids.gym}`);
    await shown(page.getByRole('heading', { level: 1 })).toBe('Fakturor');
    await page.getByLabel('Markera faktura 7001').check();
    await page.getByLabel('Markera faktura 7002').check();
    await page.getByRole('button', { name: 'Skicka', exact: true }).click();
    // The preview first: what would happen, and nothing done yet.
    await shown(page.getByRole('heading', { level: 1 })).toBe('Förhandsgranska utskicket');
    await shown(page.locator('[data-count="accepted"]')).toBe('2');
    await shown(page.locator('[data-count="email"]')).toBe('2');
    expect(await s.h.sql`SELECT id FROM invoices WHERE status = 'pending_send' AND id IN (${ids.invA}, ${ids.invB})`).toHaveLength(0);
    await shot('02a-send-preview');
    await page.getByRole('button', { name: 'Bekräfta och skicka' }).click();

    const results = page.locator('ul.results li');
    await expect.poll(() => results.count(), POLL).toBe(2);
    await shown(results.nth(0)).toContain('Godkänd');
    await shown(results.nth(1)).toContain('Godkänd');
    const pending = await s.h.sql`SELECT id FROM invoices WHERE status = 'pending_send' AND id IN (${ids.invA}, ${ids.invB})`;
    expect(pending).toHaveLength(2);

    // The run's page, live: 2 pending now.
    await page.getByRole('link', { name: 'Följ utskicket' }).click();
    await shown(page.locator('[data-count="pending"]')).toBe('2');
    await shot('03-send-run-in-progress');
    const runUrl = page.url();

    await page.goto(`${http.url}/app/invoices`);
    await shown(row('7001').locator('.status')).toBe('Väntar på att skickas');
    await shown(row('7001').locator('.countdown')).toMatch(/Kan ångras i 0:[0-9]{2}/);
    await shot('02-invoices-pending-countdown');

    await row('7001').getByRole('button', { name: /Ångra \(kreditera\)/ }).click();
    await page.waitForURL('**/app/invoices**');
    await shown(row('7001').locator('.status')).toBe('Krediterad');
    const [a] = await s.h.sql`SELECT status FROM invoices WHERE id = ${ids.invA}`;
    expect(a.status).toBe('credited');

    // The other one goes out when its window ends; the list reloads by itself and shows it sent.
    await waitForStatus(s.h, ids.invB, 'sent', (UNDO_SECONDS + 30) * 1000);
    await shown(row('7002').locator('.status'), 15_000).toBe('Skickad');
    expect(mailsTo('bertil@example.com')).toHaveLength(1);
    expect(mailsTo('anna@example.com')).toHaveLength(0);

    // The run page has followed without a reload: one sent, one undone, completed.
    await page.goto(runUrl);
    await shown(page.locator('[data-count="sent"]')).toBe('1');
    await shown(page.locator('[data-count="undone"]')).toBe('1');
    await shown(page.locator('#run-progress')).toContain('Klart');
  }, 120_000);

  it('shows an invoice with its lines, the method a send would use and why, and its full history', async () => {
    await page.goto(`${http.url}/app/invoices`);
    await row('7002').getByRole('link', { name: '7002' }).click();
    await shown(page.getByRole('heading', { level: 1 })).toBe('Faktura 7002');
    await shown(page.locator('table.history')).toContain('Invoice sent by e-mail to bertil@example.com');
    await shown(page.locator('.plan').first()).toContain('E-post (bolagets standardmetod) → bertil@example.com');
    await shot('04-invoice-page-history');

    // Undone invoice 7003's page: empty the e-mail and save, the address is filled in again.
    await page.goto(`${http.url}/app/invoices/${ids.invC}`);
    await shown(page.locator('.plan').first()).toContain('cecilia@example.com');
    await page.getByLabel('E-postadress (för faktura)').fill('');
    await page.getByRole('button', { name: 'Spara' }).click();
    await shown(page.getByRole('status')).toBe('Sparat.');
    await expect.poll(() => page.getByLabel('E-postadress (för faktura)').inputValue(), POLL).toBe('cecilia@example.com');
    await page.getByLabel('E-postadress (för faktura)').fill('inte en adress');
    await page.getByRole('button', { name: 'Spara' }).click();
    await page.locator('.alert.error').waitFor();
    const [c] = await s.h.sql`SELECT email FROM invoices WHERE id = ${ids.invC}`;
    expect(c.email).toBe('cecilia@example.com');
  });

  it('refuses a settings change with the API’s validation message, then saves a correct one', async () => {
    await page.goto(`${http.url}/app/settings?company=${ids.gym}`);
    await page.getByLabel('Reservmetod', { exact: true }).selectOption('email');
    await page.getByRole('button', { name: 'Spara' }).first().click();
    await shown(page.locator('.alert.error')).toContain('must differ from the default method');
    await expect.poll(() => page.getByLabel('Reservmetod', { exact: true }).getAttribute('aria-invalid'), POLL).toBe('true');
    await shot('05a-settings-validation-error');
    const [before] = await s.h.sql`SELECT fallback_method, undo_window_seconds FROM companies WHERE id = ${ids.gym}`;
    expect(before).toEqual({ fallback_method: null, undo_window_seconds: UNDO_SECONDS });

    await page.getByLabel('Reservmetod', { exact: true }).selectOption('central_print');
    await page.getByLabel('Minsta ångertid (sekunder)').fill('600');
    await page.getByRole('button', { name: 'Spara' }).first().click();
    await shown(page.getByRole('status')).toBe('Sparat.');
    await shot('05-settings');
    const [after] = await s.h.sql`SELECT fallback_method, undo_window_seconds FROM companies WHERE id = ${ids.gym}`;
    expect(after).toEqual({ fallback_method: 'central_print', undo_window_seconds: 600 });
  });

  it('sets a reminder fee and late-payment interest: above 60 kr refused with the API’s words, then saved in kronor and percent', async () => {
    await page.goto(`${http.url}/app/settings?company=${ids.gym}`);
    await page.getByLabel('Påminnelseavgift (kr)').fill('61');
    await page.getByRole('button', { name: 'Spara' }).first().click();
    await shown(page.locator('#fee-hint')).toContain('must be at most 6000 öre');
    expect(await page.getByLabel('Påminnelseavgift (kr)').getAttribute('aria-invalid')).toBe('true');
    expect((await s.h.sql`SELECT reminder_fee FROM companies WHERE id = ${ids.gym}`)[0].reminder_fee).toBe(0);

    await page.getByLabel('Påminnelseavgift (kr)').fill('49,50');
    await page.getByLabel('Ta ut dröjsmålsränta: referensräntan + 8 procentenheter').check();
    await page.getByLabel('Referensränta (%)').fill('2,25');
    await page.getByLabel('Referensräntan gäller från').fill('2026-07-01');
    await page.getByLabel('Ett kuvert per kund vid utskrift (flera fakturor i samma kuvert)').uncheck();
    await page.getByRole('button', { name: 'Spara' }).first().click();
    await shown(page.getByRole('status')).toBe('Sparat.');
    await shot('05c-settings-reminder-charges');
    const [row] = await s.h.sql`SELECT reminder_fee, late_interest_mode, reference_rate_percent, reference_rate_date, combine_envelopes FROM companies WHERE id = ${ids.gym}`;
    expect(row).toEqual({ reminder_fee: 4950, late_interest_mode: 'reference_plus_8', reference_rate_percent: '2.25', reference_rate_date: '2026-07-01', combine_envelopes: false });
    expect(await page.getByLabel('Påminnelseavgift (kr)').inputValue()).toBe('49,50');
  });

  it('uploads a logo and previews it; a file that is not an image is refused with the API’s message', async () => {
    await page.goto(`${http.url}/app/settings?company=${ids.gym}`);
    await page.getByLabel('Ladda upp logotyp').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('not really a png') });
    await page.getByRole('button', { name: 'Spara logotyp' }).click();
    await shown(page.locator('.alert.error').last()).toContain('is not a PNG image');
    const [none] = await s.h.sql`SELECT logo_content_type FROM companies WHERE id = ${ids.gym}`;
    expect(none.logo_content_type).toBeNull();

    await page.getByLabel('Ladda upp logotyp').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: smallPng() });
    await page.getByRole('button', { name: 'Spara logotyp' }).click();
    await shown(page.getByRole('status')).toBe('Sparat.');
    const preview = page.locator('img.logo-preview');
    await expect.poll(() => preview.evaluate((img: { naturalWidth: number }) => img.naturalWidth), POLL).toBe(40);
    const [stored] = await s.h.sql`SELECT logo_content_type, length(logo) AS bytes FROM companies WHERE id = ${ids.gym}`;
    expect(stored.logo_content_type).toBe('image/png');
    expect(stored.bytes).toBe(smallPng().length);
    await shot('05b-settings-logo');
  });

  it('sends a reminder from the dunning list', async () => {
    await page.goto(`${http.url}/app/reminders?company=${ids.hall}`);
    await shown(row('9001')).toContain('Cecilia Ceder');
    await shot('06-reminders');
    const before = mailsTo('cecilia@example.com').length;
    await row('9001').getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Skicka påminnelser' }).click();
    await shown(page.getByRole('heading', { level: 1 })).toBe('Förhandsgranska påminnelserna');
    await page.getByRole('button', { name: 'Bekräfta och skicka påminnelser' }).click();
    await shown(page.locator('ul.results li')).toContain('Godkänd');
    const inv = await waitForStatus(s.h, ids.overdue, 'reminder');
    expect(inv.reminder_count).toBe(1);
    await waitFor(async () => mailsTo('cecilia@example.com').length === before + 1, { what: 'the reminder e-mail' });
  });

  it('lists customers and changes a person’s delivery method and invoice e-mail', async () => {
    await page.goto(`${http.url}/app/customers`);
    await page.getByRole('link', { name: 'Anna Andersson' }).click();
    await page.getByLabel('Fakturadistribution', { exact: true }).selectOption('central_print');
    await page.getByLabel('E-postadress (för faktura)').fill('faktura@anna.example');
    await page.getByRole('button', { name: 'Spara' }).click();
    await shown(page.getByRole('status')).toBe('Sparat.');
    const [p] = await s.h.sql`SELECT distribution_method, invoice_email FROM persons WHERE id = ${ids.anna}`;
    expect(p).toEqual({ distribution_method: 'central_print', invoice_email: 'faktura@anna.example' });
    // A personal identity number for Kivra: a wrong check digit refused, the right one stored as 12 digits.
    await page.getByLabel('Personnummer').fill('19121212-1213');
    await page.getByRole('button', { name: 'Spara' }).click();
    await shown(page.locator('#pin-hint')).toContain('valid check digit');
    await page.getByLabel('Personnummer').fill('19121212-1212');
    await page.getByRole('button', { name: 'Spara' }).click();
    await shown(page.getByRole('status')).toBe('Sparat.');
    expect((await s.h.sql`SELECT personal_identity_number FROM persons WHERE id = ${ids.anna}`)[0].personal_identity_number).toBe('191212121212');
    await page.goto(`${http.url}/app/customers`);
    await shot('07-customers');
    await page.goto(`${http.url}/app/print-batches`);
    await shot('08-print-batches');
    await page.goto(`${http.url}/app/runs`);
    await shot('09-send-runs');
    // A tablet in portrait: the list still fits, its table scrolls inside its own box.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto(`${http.url}/app/invoices?company=${ids.gym}`);
    await shot('11-invoices-tablet');
    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
    });
    expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.clientWidth);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('switches to English', async () => {
    await page.goto(`${http.url}/app/invoices?company=${ids.gym}`);
    await page.getByRole('link', { name: 'Language: English' }).click();
    await shown(page.getByRole('heading', { level: 1 })).toBe('Invoices');
    await shown(row('7002').locator('.status')).toBe('Sent');
    await shot('10-invoices-english');
    await page.getByRole('link', { name: 'Språk: svenska' }).click();
    await shown(page.getByRole('heading', { level: 1 })).toBe('Fakturor');
  });

  it('refuses a bad session cookie and a form without its CSRF token, changing nothing', async () => {
    const stranger = await browser.newContext();
    await stranger.addCookies([{ name: 'bo_session', value: 'forged-session-token', url: http.url, httpOnly: true, sameSite: 'Strict' }]);
    const p = await stranger.newPage();
    await p.goto(`${http.url}/app/invoices`);
    expect(new URL(p.url()).pathname).toBe('/app/sign-in');
    const forged = await stranger.request.post(`${http.url}/app/invoices/send`, { form: { invoiceIds: ids.invC, action: 'send' }, maxRedirects: 0 });
    expect(forged.status()).toBe(401);
    await stranger.close();

    // The signed-in browser, but a post without the form's token (as a forged cross-site form would be).
    const noToken = await page.request.post(`${http.url}/app/invoices/send`, { form: { invoiceIds: ids.invC, action: 'send' }, maxRedirects: 0 });
    expect(noToken.status()).toBe(403);
    const wrongToken = await page.request.post(`${http.url}/app/settings`, {
      form: { _csrf: 'not-the-token', activeMethods: 'email', defaultMethod: 'email', undoWindowSeconds: '5' },
      headers: { accept: 'application/json' },
      maxRedirects: 0,
    });
    expect(wrongToken.status()).toBe(403);
    expect(wrongToken.headers()['content-type']).toContain('application/problem+json');
    const [inv] = await s.h.sql`SELECT status FROM invoices WHERE id = ${ids.invC}`;
    expect(inv.status).toBe('unsent');
    const [co] = await s.h.sql`SELECT undo_window_seconds FROM companies WHERE id = ${ids.gym}`;
    expect(co.undo_window_seconds).toBe(600);
  });

  it('shows nothing of another tenant: its invoice, document and company are not found', async () => {
    const otherKey = await s.h.createTenant('Another facility');
    const other = (await import('./helpers/fixtures.js')).fixtures(s.h, otherKey);
    const company = await other.company({ activeMethods: ['email'], defaultMethod: 'email' }, { name: 'Grannens Gym AB' });
    const invoice = await other.invoice(company, await other.person({ name: 'Hemlig Kund' }), { number: '5555' });
    const res = await page.goto(`${http.url}/app/invoices/${invoice.id}`);
    expect(res!.status()).toBe(404);
    expect(await page.content()).not.toContain('Hemlig Kund');
    // Choosing the other tenant's company falls back to one's own.
    await page.goto(`${http.url}/app/invoices?company=${company}`);
    expect(await page.content()).not.toContain('5555');
    expect(await page.locator('#company-select').inputValue()).not.toBe(company);
  });

  it('searches invoices by number or customer and filters them by status', async () => {
    const numbers = async () => page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { number: string } }).dataset.number));
    await page.goto(`${http.url}/app/invoices?company=${ids.gym}`);
    await page.getByLabel('Sök').fill('bertil');
    await page.getByRole('button', { name: 'Filtrera' }).click();
    expect(await numbers()).toEqual(['7002']);
    await page.getByLabel('Sök').fill('7001');
    await page.getByRole('button', { name: 'Filtrera' }).click();
    expect(await numbers()).toEqual(['7001']);
    await page.getByLabel('Sök').fill('%');
    await page.getByRole('button', { name: 'Filtrera' }).click();
    expect(await numbers()).toEqual([]);
    await page.getByLabel('Sök').fill('');
    await page.getByLabel('Status').selectOption('unsent');
    await page.getByRole('button', { name: 'Filtrera' }).click();
    expect(await numbers()).toEqual(['7003']);
  });

  it('works from the keyboard: tick an invoice and send it without a mouse', async () => {
    await page.goto(`${http.url}/app/invoices?company=${ids.gym}`);
    await page.getByLabel('Markera faktura 7003').focus();
    await page.keyboard.press('Space');
    expect(await page.getByLabel('Markera faktura 7003').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Skicka', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Bekräfta och skicka' }).focus();
    await page.keyboard.press('Enter');
    await shown(page.locator('ul.results li')).toContain('Godkänd');
    const [c] = await s.h.sql`SELECT status FROM invoices WHERE id = ${ids.invC}`;
    expect(c.status).toBe('pending_send');
  });

  it('signs out: the session is gone from the database and the cookie no longer opens pages', async () => {
    await page.goto(`${http.url}/app/invoices`);
    const old = (await context.cookies()).find((c) => c.name === 'bo_session')!.value;
    await page.getByRole('button', { name: 'Logga ut' }).click();
    await page.waitForURL('**/app/sign-in');
    const [n] = await s.h.sql`SELECT count(*)::int AS n FROM back_office_sessions`;
    expect(n.n).toBe(0);
    await context.addCookies([{ name: 'bo_session', value: old, url: http.url }]);
    await page.goto(`${http.url}/app/invoices`);
    expect(new URL(page.url()).pathname).toBe('/app/sign-in');
  });
});
