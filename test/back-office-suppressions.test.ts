// Inställningar in a real browser: the company's blocked e-mail addresses (the suppression list a
// permanent bounce fills), each with the bounce that put it there and a button that takes it off,
// after which e-mail carries invoices to it again; and the postage per letter the preview uses.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { useTestService, type TestService } from './helpers/service.js';
import { waitForStatus } from './helpers/fixtures.js';
import { dsn } from './helpers/dsn.js';
import { signedInBackOffice } from './helpers/browser.js';

let s: TestService;
useTestService((t) => (s = t));

let browser: Browser;
let http: { url: string; close(): Promise<void> };
let shots: string;
let page: Page;
const ids: Record<string, string> = {};
const POLL = { timeout: 10_000 };

/** Sends the invoice by e-mail, and the remote server's report that it bounced for good comes back. */
async function sendAndBounce(invoiceId: string, recipient: string) {
  const res = await s.h.request('POST', '/v1/invoices/send', { key: s.key, body: { invoiceIds: [invoiceId] } });
  const wf = res.json.results[0].workflowId as string;
  await waitForStatus(s.h, invoiceId, 'sent', 60_000);
  expect((await s.h.sql`SELECT method FROM deliveries WHERE workflow_id = ${wf}`)[0].method).toBe('email');
  const report = dsn({ to: `bounces+${wf}@test.invoice-distribution.local`, recipient, status: '5.1.1', diagnostic: '550 5.1.1 Mailbox does not exist', messageId: `<${wf}@test.invoice-distribution.local>` });
  const posted = await s.h.request('POST', '/v1/inbound/bounces', { rawBody: report, headers: { authorization: `Bearer ${s.h.adminToken}`, 'content-type': 'message/rfc822' } });
  expect(posted.json).toEqual({ outcome: 'bounced' });
}

const mailsTo = (address: string) => s.h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === address);

beforeAll(async () => {
  const { f } = s;
  ids.gym = await f.company({ activeMethods: ['email', 'central_print'], defaultMethod: 'email', fallbackMethod: 'central_print', undoWindowSeconds: 0 }, { name: 'Friskvården Gym AB' });
  ids.gone = (await f.invoice(ids.gym, await f.person({ name: 'Ida Ilves', email: 'borta@example.com' }), { number: '9001' })).id;
  ids.moved = (await f.invoice(ids.gym, await f.person({ name: 'Johan Juhl', email: 'flyttat@example.com' }), { number: '9002' })).id;
  await sendAndBounce(ids.gone, 'borta@example.com');
  await sendAndBounce(ids.moved, 'flyttat@example.com');

  ({ http, browser, page, shots } = await signedInBackOffice(s.h.app.fetch, s.key));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
});

describe('Inställningar in the browser', () => {
  it('lists the blocked addresses with their bounce; Ta bort spärren takes one off, and e-mail carries the next invoice to it', async () => {
    await page.goto(`${http.url}/app/settings?company=${ids.gym}`);
    const section = page.locator('#suppressions');
    await expect.poll(() => section.getByRole('heading', { level: 2 }).innerText(), POLL).toBe('Spärrade e-postadresser');
    const gone = section.locator('tr[data-suppression="borta@example.com"]');
    expect(await gone.innerText()).toContain('550 5.1.1 Mailbox does not exist');
    expect(await gone.getByRole('link', { name: '9001' }).getAttribute('href')).toBe(`/app/invoices/${ids.gone}`);
    expect(await section.locator('tr[data-suppression="flyttat@example.com"]').count()).toBe(1);
    await page.screenshot({ path: path.join(shots, '22-sparrade-adresser.png'), fullPage: true });

    await page.getByRole('button', { name: 'Ta bort spärren: borta@example.com' }).click();
    await expect.poll(() => section.getByRole('status').innerText(), POLL).toBe('Spärren är borttagen: adressen kan få e-post igen.');
    expect(await section.locator('tr[data-suppression="borta@example.com"]').count()).toBe(0);
    expect(await section.locator('tr[data-suppression="flyttat@example.com"]').count()).toBe(1);
    await page.screenshot({ path: path.join(shots, '23-sparr-borttagen.png'), fullPage: true });
    expect((await s.h.sql`SELECT email FROM email_suppressions WHERE company_id = ${ids.gym}`).map((r) => r.email)).toEqual(['flyttat@example.com']);

    // The freed address is e-mailed again; the one still blocked goes by the fallback, with no e-mail.
    const freed = (await s.f.invoice(ids.gym, await s.f.person({ email: 'borta@example.com' }))).id;
    const blocked = (await s.f.invoice(ids.gym, await s.f.person({ email: 'flyttat@example.com' }))).id;
    await s.h.request('POST', '/v1/invoices/send', { key: s.key, body: { invoiceIds: [freed, blocked] } });
    await waitForStatus(s.h, freed, 'sent', 60_000);
    await waitForStatus(s.h, blocked, 'sent', 60_000);
    expect((await s.h.sql`SELECT method FROM deliveries WHERE invoice_id = ${freed}`).map((r) => r.method)).toEqual(['email']);
    expect((await s.h.sql`SELECT method FROM deliveries WHERE invoice_id = ${blocked}`).map((r) => r.method)).toEqual(['central_print']);
    expect(mailsTo('borta@example.com')).toHaveLength(2);
    expect(mailsTo('flyttat@example.com')).toHaveLength(1);
  });

  it('sets the postage per letter in kronor and the unread-e-mail letter in bank days; nonsense is refused with the API’s words and changes nothing; empty clears them', async () => {
    await page.goto(`${http.url}/app/settings?company=${ids.gym}`);
    const postage = page.getByLabel('Porto per brev (kr)');
    expect(await postage.inputValue()).toBe('');
    await postage.fill('-3');
    await page.getByRole('button', { name: 'Spara', exact: true }).click();
    await expect.poll(() => postage.getAttribute('aria-invalid'), POLL).toBe('true');
    expect(await page.locator('#postage-hint').innerText()).not.toBe('');
    expect((await s.h.sql`SELECT postage_per_letter FROM companies WHERE id = ${ids.gym}`)[0].postage_per_letter).toBeNull();

    await postage.fill('12,50');
    await page.getByRole('button', { name: 'Spara', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().innerText(), POLL).toBe('Sparat.');
    expect(await page.getByLabel('Porto per brev (kr)').inputValue()).toBe('12,50');
    await page.screenshot({ path: path.join(shots, '24-porto-per-brev.png'), fullPage: true });
    expect((await s.h.sql`SELECT postage_per_letter FROM companies WHERE id = ${ids.gym}`)[0].postage_per_letter).toBe(1250);
    expect((await s.h.request('GET', `/v1/companies/${ids.gym}/distribution-settings`, { key: s.key })).json.postagePerLetter).toBe(1250);

    await page.getByLabel('Porto per brev (kr)').fill('');
    await page.getByRole('button', { name: 'Spara', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().innerText(), POLL).toBe('Sparat.');
    expect((await s.h.sql`SELECT postage_per_letter FROM companies WHERE id = ${ids.gym}`)[0].postage_per_letter).toBeNull();

    // The letter for an unread e-mail: bank days, 1–30; 31 is refused and changes nothing; empty turns it off.
    const unopened = page.getByLabel('Brev när e-postfakturan inte öppnats (bankdagar)');
    await unopened.fill('31');
    await page.getByRole('button', { name: 'Spara', exact: true }).click();
    await expect.poll(() => page.getByLabel('Brev när e-postfakturan inte öppnats (bankdagar)').getAttribute('aria-invalid'), POLL).toBe('true');
    expect((await s.h.sql`SELECT unopened_letter_after_bank_days FROM companies WHERE id = ${ids.gym}`)[0].unopened_letter_after_bank_days).toBeNull();
    await page.getByLabel('Brev när e-postfakturan inte öppnats (bankdagar)').fill('2');
    await page.getByRole('button', { name: 'Spara', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().innerText(), POLL).toBe('Sparat.');
    expect(await page.getByLabel('Brev när e-postfakturan inte öppnats (bankdagar)').inputValue()).toBe('2');
    await page.screenshot({ path: path.join(shots, '25-brev-om-oppnad.png'), fullPage: true });
    expect((await s.h.request('GET', `/v1/companies/${ids.gym}/distribution-settings`, { key: s.key })).json.unopenedLetterAfterBankDays).toBe(2);
    await page.getByLabel('Brev när e-postfakturan inte öppnats (bankdagar)').fill('');
    await page.getByRole('button', { name: 'Spara', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().innerText(), POLL).toBe('Sparat.');
    expect((await s.h.sql`SELECT unopened_letter_after_bank_days FROM companies WHERE id = ${ids.gym}`)[0].unopened_letter_after_bank_days).toBeNull();
  });
});
