// Before and after a run in a real browser: the preview that *Skicka* opens (counts per method,
// letters and postage, every refusal and warning with its invoice) and *Misslyckade*, where the
// clerk sees what failed, with the reason, and sends it again by another method in one step.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { useTestService, type TestService } from './helpers/service.js';
import { waitFor, waitForStatus } from './helpers/fixtures.js';
import { signedInBackOffice } from './helpers/browser.js';

let s: TestService;
useTestService((t) => (s = t));

let browser: Browser;
let http: { url: string; close(): Promise<void> };
let shots: string;
let page: Page;
const ids: Record<string, string> = {};

beforeAll(async () => {
  const { f } = s;
  ids.gym = await f.company({ activeMethods: ['email', 'central_print'], defaultMethod: 'email', fallbackMethod: null, undoWindowSeconds: 0 }, { name: 'Friskvården Gym AB' });
  ids.noEmail = (await f.invoice(ids.gym, await f.person({ name: 'Disa Dahl', email: null }), { number: '8001' })).id;
  ids.fine = (await f.invoice(ids.gym, await f.person({ name: 'Erik Ek', email: 'erik@example.com' }), { number: '8002' })).id;
  const run = await s.h.request('POST', '/v1/invoices/send', { key: s.key, body: { invoiceIds: [ids.noEmail, ids.fine] } });
  ids.run = run.json.runId;
  // A hall that posts letters when e-mail cannot carry an invoice, with 12 kr postage per letter.
  ids.hall = await f.company({ activeMethods: ['email', 'central_print'], defaultMethod: 'email', fallbackMethod: 'central_print', undoWindowSeconds: 0 }, { name: 'Simhallen AB' });
  const settings = (await s.h.request('GET', `/v1/companies/${ids.hall}/distribution-settings`, { key: s.key })).json;
  const { canSend: _a, canSendReminders: _b, ...rest } = settings;
  expect((await s.h.request('PUT', `/v1/companies/${ids.hall}/distribution-settings`, { key: s.key, body: { ...rest, postagePerLetter: 1200 } })).status).toBe(200);
  ids.mail = (await f.invoice(ids.hall, await f.person({ name: 'Frida Fors', email: 'frida@example.com' }), { number: '8101' })).id;
  ids.letter = (await f.invoice(ids.hall, await f.person({ name: 'Gustav Gran', email: null }), { number: '8102' })).id;
  ids.already = (await f.invoice(ids.hall, await f.person({ name: 'Hanna Holm', email: 'hanna@example.com' }), { number: '8103' })).id;
  expect((await s.h.request('POST', `/v1/invoices/${ids.already}/credit`, { key: s.key, body: { reason: 'cancelled membership' } })).status).toBe(200);
  await waitForStatus(s.h, ids.fine, 'sent');
  await waitFor(async () => (await s.h.sql`SELECT 1 FROM invoice_history WHERE invoice_id = ${ids.noEmail} AND type = 'send_failed'`).length === 1, { what: 'the failure' });

  ({ http, browser, page, shots } = await signedInBackOffice(s.h.app.fetch, s.key));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
});

describe('preview and Misslyckade in the browser', () => {
  it('Skicka opens the preview: per method, letters, postage, the refused and the warned with their reasons; confirming sends exactly the accepted', async () => {
    await page.goto(`${http.url}/app/invoices?company=${ids.hall}`);
    for (const n of ['8101', '8102', '8103']) await page.getByLabel(`Markera faktura ${n}`).check();
    await page.getByRole('button', { name: 'Skicka', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Förhandsgranska utskicket');
    expect(await page.locator('[data-count="accepted"]').innerText()).toBe('2');
    expect(await page.locator('[data-count="refused"]').innerText()).toBe('1');
    expect(await page.locator('[data-count="email"]').innerText()).toBe('1');
    expect(await page.locator('[data-count="central_print"]').innerText()).toBe('1');
    expect(await page.locator('[data-postage]').innerText()).toContain('12,00');
    expect(await page.locator(`li[data-preview="${ids.already}"]`).innerText()).toContain('8103');
    expect(await page.locator(`li[data-preview="${ids.letter}"]`).innerText()).toContain('8102');
    await page.screenshot({ path: path.join(shots, '19-forhandsgranskning.png'), fullPage: true });
    // Nothing happened yet.
    expect(await s.h.sql`SELECT id FROM invoices WHERE id IN (${ids.mail}, ${ids.letter}) AND status <> 'unsent'`).toEqual([]);

    await page.getByRole('button', { name: 'Bekräfta och skicka' }).click();
    await expect.poll(() => page.locator('ul.results li').count()).toBe(2);
    await waitForStatus(s.h, ids.mail, 'sent');
    await waitForStatus(s.h, ids.letter, 'sent');
    expect((await s.h.sql`SELECT method FROM deliveries WHERE invoice_id = ${ids.letter}`).map((r) => r.method)).toEqual(['central_print']);
    // The credited invoice was not asked for.
    expect((await s.h.sql`SELECT count(*)::int AS n FROM send_run_items WHERE invoice_id = ${ids.already}`)[0].n).toBe(0);
  });

  it('from the run to the work list, the reason in words, sent again by central print in one step', async () => {
    await page.goto(`${http.url}/app/runs/${ids.run}?company=${ids.gym}`);
    await page.getByRole('link', { name: 'Se och skicka igen under Misslyckade' }).click();
    await page.waitForURL('**/app/failures?runId=*');
    const row = page.locator(`tr[data-failure="${ids.noEmail}"]`);
    await expect.poll(() => row.innerText()).toContain('8001');
    expect(await row.innerText()).toContain('no e-mail address'); // the history's words, as the API gives them
    expect(await page.locator(`tr[data-failure="${ids.fine}"]`).count()).toBe(0);
    await page.screenshot({ path: path.join(shots, '20-misslyckade.png'), fullPage: true });

    await row.getByRole('checkbox').check();
    await page.getByLabel('Skicka med').first().selectOption('central_print');
    await page.getByRole('button', { name: 'Skicka igen' }).first().click();
    await expect.poll(() => page.locator('ul.results').innerText()).toContain('8001');
    await page.screenshot({ path: path.join(shots, '21-skickat-igen.png'), fullPage: true });

    await waitForStatus(s.h, ids.noEmail, 'sent', 60_000);
    const [delivery] = await s.h.sql`SELECT method FROM deliveries WHERE invoice_id = ${ids.noEmail}`;
    expect(delivery.method).toBe('central_print');
    // Off the list once delivered.
    await page.goto(`${http.url}/app/failures?company=${ids.gym}`);
    await expect.poll(() => page.locator('main').innerText()).toContain('Inget misslyckat utskick väntar på åtgärd.');
  });
});
