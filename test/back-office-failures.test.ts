// Misslyckade in a real browser: the clerk sees what failed after a run, with the reason, ticks
// it and sends it again by another method in one step; the database and the outbox show it went.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { useTestService, type TestService } from './helpers/service.js';
import { waitFor, waitForStatus } from './helpers/fixtures.js';
import { launchChromium, screenshotDir, serveOverHttp } from './helpers/browser.js';

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
  await waitForStatus(s.h, ids.fine, 'sent');
  await waitFor(async () => (await s.h.sql`SELECT 1 FROM invoice_history WHERE invoice_id = ${ids.noEmail} AND type = 'send_failed'`).length === 1, { what: 'the failure' });

  http = await serveOverHttp(s.h.app.fetch);
  browser = await launchChromium();
  shots = await screenshotDir('back-office');
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${http.url}/app`);
  await page.getByLabel('API-nyckel').fill(s.key);
  await page.getByRole('button', { name: 'Logga in' }).click();
  await page.waitForURL('**/app/invoices');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
});

describe('Misslyckade in the browser', () => {
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
