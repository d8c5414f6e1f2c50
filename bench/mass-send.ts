// Benchmark: accepting one send request of N invoices (HTTP → one transaction → N workflow
// starts) against a real Temporal dev server and PostgreSQL. Prints figures; asserts nothing.
//   npm run bench -- --invoices 10000
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createTestDatabase } from '../test/helpers/database.js';
import { freePort } from '../platform/free-port.js';
import { createApp } from '../api/app.js';
import { SendStarter } from '../services/send-starter.js';
import { ensureTemporalCli } from '../platform/temporal-cli.js';
import { startTemporalDevServer } from '../platform/temporal-dev-server.js';

const { values } = parseArgs({ options: { invoices: { type: 'string', default: '2000' } } });
const n = Number(values.invoices);
const baseUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const db = await createTestDatabase(baseUrl);
const { sql } = db;
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'invoice-bench-'));
const dev = await startTemporalDevServer({ cli: await ensureTemporalCli(), dataDir, port: await freePort(), uiPort: await freePort(), namespace: 'default' });
try {
  const client = new Client({ connection: await Connection.connect({ address: dev.address }) });
  const adminToken = randomBytes(8).toString('hex');
  const app = createApp({ sql, temporal: { client, taskQueue: 'bench' }, adminToken, starter: new SendStarter({ sql, client, taskQueue: 'bench' }) });
  const call = async (method: string, p: string, body: unknown, token: string) => {
    const res = await app.request(p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as any };
  };
  const key = (await call('POST', '/admin/tenants', { name: 'Bench' }, adminToken)).json.apiKey;
  const company = (await call('POST', '/v1/companies', { name: 'Bench AB', orgNumber: '556677-8899', address: { street: 'Gatan 1', postalCode: '111 22', city: 'Stockholm' } }, key)).json.id;
  await call('PUT', `/v1/companies/${company}/distribution-settings`, { activeMethods: ['email'], defaultMethod: 'email', fallbackMethod: null, reminderDistribution: false, undoWindowSeconds: 3600, linkInvoiceToOrganization: false }, key);
  const person = (await call('POST', '/v1/persons', { name: 'Bench Person', email: 'bench@example.com' }, key)).json.id;
  const [{ tenant_id: tenantId }] = await sql`SELECT tenant_id FROM companies WHERE id = ${company}`;
  await sql`
    INSERT INTO invoices (id, tenant_id, company_id, number, status, person_id, issue_date, due_date, ocr, email, lines, net_amount, vat_amount, total_amount)
    SELECT 'inv_bench_' || lpad(i::text, 6, '0'), ${tenantId}, ${company}, 'B' || i, 'unsent', ${person}, '2026-11-01', '2026-11-30', '1234566',
           'bench@example.com', '[{"description":"x","quantity":1,"unitAmount":100,"vatRate":25}]'::jsonb, 100, 25, 125
    FROM generate_series(1, ${n}) AS i`;
  const ids = (await sql`SELECT id FROM invoices WHERE company_id = ${company}`).map((r) => r.id as string);

  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const started = performance.now();
  const res = await call('POST', '/v1/invoices/send', { invoiceIds: ids }, key);
  const ms = performance.now() - started;
  clearInterval(sampler);
  const accepted = res.json.results.filter((r: { accepted: boolean }) => r.accepted).length;
  console.log(`mass send: ${n} invoices, ${accepted} accepted, HTTP ${res.status}`);
  console.log(`  request answered in ${ms.toFixed(0)} ms (${((n / ms) * 1000).toFixed(0)} invoices/s)`);
  console.log(`  RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, peak ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  await client.connection.close();
} finally {
  await db.drop();
  await dev.stop();
  await rm(dataDir, { recursive: true, force: true });
}
