import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium package; CHROMIUM_PATH names another. No browser is downloaded. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The back-office browser tests need Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium) ` +
        'or set CHROMIUM_PATH. (npm test installs it itself when run as root.)',
    );
  }
  // As the machine notes say: headless, no sandbox as root, and no background connections
  // (this machine's closed network refuses them).
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Serves a Hono app over real HTTP on a free local port. */
export async function serveOverHttp(fetch: (req: Request, env: unknown) => Response | Promise<Response>) {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Where the tests' screenshots go (kept for the closing note; not committed). */
export async function screenshotDir(name: string): Promise<string> {
  const dir = path.resolve('test-output', name);
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * The back office over real HTTP in Chromium, signed in with an API key: where every back-office
 * browser test starts. Screenshots go to test-output/back-office.
 */
export async function signedInBackOffice(fetch: (req: Request, env: unknown) => Response | Promise<Response>, key: string) {
  const http = await serveOverHttp(fetch);
  const browser = await launchChromium();
  const shots = await screenshotDir('back-office');
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${http.url}/app`);
  await page.getByLabel('API-nyckel').fill(key);
  await page.getByRole('button', { name: 'Logga in' }).click();
  await page.waitForURL('**/app/invoices');
  return { http, browser, page, shots };
}
