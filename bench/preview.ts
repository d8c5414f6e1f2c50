// Benchmark: the send preview of a 10,000-invoice run (issue 21: "10,000 invoices answer in ≤ 3 s").
// Seeds N unsent invoices of every method into a fresh database — e-mail (some to addresses on the
// suppression list), central print, own printer, Kivra (users and non-users, asked of a Kivra
// stand-in over HTTP), Autogiro (active and inactive mandates), e-invoice to organisations (with
// and without a PEPPOL id), customers without an address — and times `POST /v1/invoices/send-preview`
// for all of them over real HTTP, beside a baseline measured in the same run on the same rows:
// reading those N invoices' rows (one `SELECT … WHERE id = ANY(…)`). Prints a table; asserts nothing
// (docs/benchmarks.md). Needs PostgreSQL only (TEST_DATABASE_URL); no Temporal: a preview starts nothing.
//   npm run bench:preview                       # N = 10,000, 5 rounds
//   npm run bench:preview -- --invoices 2000 --rounds 3
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Client } from '@temporalio/client';
import { createApp } from '../api/app.js';
import { createKivraChannel } from '../channels/kivra.js';
import { luhnCheckDigit } from '../domain/ocr.js';
import { SendStarter } from '../services/send-starter.js';
import { createTestDatabase } from '../test/helpers/database.js';
import { startKivraStandIn } from '../test/helpers/kivra-stand-in.js';
import { median } from './median.js';

const { values } = parseArgs({
  options: {
    invoices: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
  },
});
const N = Number(values.invoices);
const ROUNDS = Math.max(1, Number(values.rounds));
const TENANT_KEY = '13443459078e31ba8630e2e9842906c7baf38b131e';
const ADDRESS = { street: 'Vägen 2', postalCode: '222 33', city: 'Lund', country: 'SE' };

/** A valid 12-digit personal identity number per index (born 1950–1999, Luhn check digit). */
function pin(i: number): string {
  const yy = String(50 + (i % 50)).padStart(2, '0');
  const mm = String(1 + (Math.floor(i / 50) % 12)).padStart(2, '0');
  const dd = String(1 + (Math.floor(i / 600) % 28)).padStart(2, '0');
  const nine = `${yy}${mm}${dd}${String(i % 1000).padStart(3, '0')}`;
  return `19${nine}${luhnCheckDigit(nine)}`;
}

const ms = (x: number) => `${Math.round(x)} ms`;

const db = await createTestDatabase();
const outboxDir = await mkdtemp(path.join(os.tmpdir(), 'invoice-bench-preview-'));
const kivraUsers: string[] = [];
const kivra = await startKivraStandIn({ clientId: 'kivra-client', clientSecret: 'kivra-secret', tenantKey: TENANT_KEY, users: kivraUsers });
const adminToken = randomBytes(12).toString('hex');
// A preview starts no workflow: the client is never connected (Connection.lazy), so no Temporal runs here.
const client = new Client();
const app = createApp({
  sql: db.sql,
  temporal: { client, taskQueue: 'bench-preview' },
  adminToken,
  starter: new SendStarter({ sql: db.sql, client, taskQueue: 'bench-preview' }),
  kivra: createKivraChannel({ url: kivra.url, clientId: 'kivra-client', clientSecret: 'kivra-secret', outboxDir }),
});
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

try {
  const call = async (method: string, p: string, body: unknown, token: string) => {
    const res = await fetch(api + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const key = (await call('POST', '/admin/tenants', { name: 'Bench' }, adminToken)).apiKey as string;
  const [{ id: tenantId }] = await db.sql`SELECT id FROM tenants`;

  // A gym with every channel to persons (e-mail first, central print as fallback), 12 kr a letter.
  const gym = (await call('POST', '/v1/companies', {
    name: 'Bench Gym AB', orgNumber: '556677-8899', vatNumber: 'SE556677889901', bankgiro: '5050-1055',
    autogiroCustomerNumber: '123456', kivraTenantKey: TENANT_KEY, address: { street: 'Gatan 1', postalCode: '111 22', city: 'Stockholm' },
  }, key)).id as string;
  await call('PUT', `/v1/companies/${gym}/distribution-settings`, {
    activeMethods: ['email', 'central_print', 'own_printer', 'kivra', 'autogiro'], defaultMethod: 'email', fallbackMethod: 'central_print',
    reminderDistribution: false, undoWindowSeconds: 0, linkInvoiceToOrganization: false, postagePerLetter: 1200,
  }, key);
  // A hall that invoices organisations by e-invoice, with central print as fallback.
  const hall = (await call('POST', '/v1/companies', {
    name: 'Bench Hall AB', orgNumber: '556732-1707', vatNumber: 'SE556732170701', bankgiro: '5050-1055', address: { street: 'Gatan 3', postalCode: '111 22', city: 'Stockholm' },
  }, key)).id as string;
  await call('PUT', `/v1/companies/${hall}/distribution-settings`, {
    activeMethods: ['e_invoice', 'email', 'central_print'], defaultMethod: 'e_invoice', fallbackMethod: 'central_print',
    reminderDistribution: false, undoWindowSeconds: 0, linkInvoiceToOrganization: true, postagePerLetter: 1200,
  }, key);

  // One customer per invoice; every fifth invoice is the hall's, to an organisation.
  const seedStart = performance.now();
  const persons: { id: string; email: string | null; method: string | null; pin: string | null; address: unknown; org: string | null }[] = [];
  const orgs: { id: string; peppol: string | null }[] = [];
  const mandates: { person: string; status: string }[] = [];
  const suppressed: string[] = [];
  const invoices: { id: string; company: string; person: string; org: string | null; email: string | null }[] = [];
  for (let i = 0; i < N; i++) {
    const id = `per_bench_${i}`;
    const email = `member+${i}@example.com`;
    if (i % 5 === 4) {
      const org = `org_bench_${i}`;
      orgs.push({ id: org, peppol: i % 10 === 9 ? null : `0007:${String(5560000000 + i)}` });
      persons.push({ id, email, method: null, pin: null, address: ADDRESS, org });
      invoices.push({ id: `inv_bench_${i}`, company: hall, person: id, org, email: `ekonomi+${i}@bygg.example` });
      continue;
    }
    const p = { id, email: email as string | null, method: null as string | null, pin: null as string | null, address: ADDRESS as unknown, org: null };
    switch (i % 10) {
      case 0: case 5: break; // the default: e-mail
      case 1: if (i % 20 === 1) suppressed.push(email); break; // e-mail; some addresses bounced before
      case 2: p.email = null; break; // no address: the fallback
      case 3: p.method = 'kivra'; p.pin = pin(i); if (i % 20 === 3) kivraUsers.push(p.pin); break;
      case 6: p.method = 'autogiro'; mandates.push({ person: id, status: i % 20 === 6 ? 'active' : 'inactive' }); break;
      case 7: p.method = 'own_printer'; break;
      case 8: p.method = 'central_print'; if (i % 40 === 8) p.address = null; break;
    }
    persons.push(p);
    invoices.push({ id: `inv_bench_${i}`, company: gym, person: id, org: null, email: p.email });
  }
  for (const u of kivraUsers) kivra.state.users.add(u);
  await db.sql`
    INSERT INTO organizations (id, tenant_id, name, org_number, email, address, distribution_method, peppol_id)
    SELECT u.id, ${tenantId}, 'Byggbolaget AB', '556732-1707', 'ekonomi@bygg.example', ${db.sql.json(ADDRESS)}, 'e_invoice', u.peppol
    FROM unnest(${orgs.map((o) => o.id)}::text[], ${orgs.map((o) => o.peppol)}::text[]) AS u(id, peppol)`;
  await db.sql`
    INSERT INTO persons (id, tenant_id, name, email, address, distribution_method, organization_id, personal_identity_number)
    SELECT u.id, ${tenantId}, 'Anna Andersson', u.email, u.address::jsonb, u.method, u.org, u.pin
    FROM unnest(${persons.map((p) => p.id)}::text[], ${persons.map((p) => p.email)}::text[],
                ${persons.map((p) => (p.address ? JSON.stringify(p.address) : null))}::text[], ${persons.map((p) => p.method)}::text[],
                ${persons.map((p) => p.org)}::text[], ${persons.map((p) => p.pin)}::text[]) AS u(id, email, address, method, org, pin)`;
  await db.sql`
    INSERT INTO autogiro_mandates (id, tenant_id, company_id, person_id, payer_number, status)
    SELECT 'agm_' || u.person, ${tenantId}, ${gym}, u.person, '1234567890', u.status
    FROM unnest(${mandates.map((m) => m.person)}::text[], ${mandates.map((m) => m.status)}::text[]) AS u(person, status)`;
  await db.sql`
    INSERT INTO invoices (id, tenant_id, company_id, number, status, person_id, organization_id, issue_date, due_date, ocr, email, lines, net_amount, vat_amount, total_amount)
    SELECT u.id, ${tenantId}, u.company, 'B-' || u.ord, 'unsent', u.person, u.org, '2026-11-01', '2026-11-30', '1234566', u.email,
           '[{"description":"Gym, november","quantity":1,"unitAmount":39900,"vatRate":6}]'::jsonb, 39900, 2394, 42294
    FROM unnest(${invoices.map((v) => v.id)}::text[], ${invoices.map((v) => v.company)}::text[], ${invoices.map((v) => v.person)}::text[],
                ${invoices.map((v) => v.org)}::text[], ${invoices.map((v) => v.email)}::text[]) WITH ORDINALITY AS u(id, company, person, org, email, ord)`;
  await db.sql`
    INSERT INTO email_suppressions (tenant_id, company_id, email, reason)
    SELECT ${tenantId}, ${gym}, u.email, '550 5.1.1 User unknown' FROM unnest(${suppressed}::text[]) AS u(email)`;
  await db.sql`ANALYZE`;
  const ids = invoices.map((v) => v.id);
  console.log(`seeded ${N} invoices (${orgs.length} to organisations, ${kivraUsers.length} Kivra users, ${mandates.length} mandates, ${suppressed.length} suppressed addresses) in ${ms(performance.now() - seedStart)}`);

  const baseline = async () => {
    const t = performance.now();
    const rows = await db.sql`SELECT * FROM invoices WHERE tenant_id = ${tenantId} AND id = ANY(${ids}::text[])`;
    if (rows.length !== N) throw new Error(`baseline read ${rows.length} rows`);
    return performance.now() - t;
  };
  const usermatches = () => kivra.requests.filter((r) => r.path.includes('usermatch')).length;
  let lastPreview: any = null;
  const preview = async () => {
    const before = usermatches();
    const t = performance.now();
    lastPreview = await call('POST', '/v1/invoices/send-preview', { invoiceIds: ids }, key);
    const elapsed = performance.now() - t;
    if (lastPreview.items.length !== N) throw new Error(`preview answered ${lastPreview.items.length} items`);
    return { elapsed, kivraCalls: usermatches() - before };
  };

  const rows: { round: number; preview: number; baseline: number; kivraCalls: number }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const b = await baseline();
    const p = await preview();
    rows.push({ round, preview: p.elapsed, baseline: b, kivraCalls: p.kivraCalls });
  }

  console.log(`\nPOST /v1/invoices/send-preview of ${N} invoices over HTTP, beside reading the same ${N} invoice rows (${os.cpus().length} cores, Node ${process.version})\n`);
  console.log('| round | preview | baseline: read the rows | ratio | Kivra user matches |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.round} | ${ms(r.preview)} | ${ms(r.baseline)} | ${(r.preview / r.baseline).toFixed(1)}× | ${r.kivraCalls} |`);
  const mp = median(rows.map((r) => r.preview));
  const mb = median(rows.map((r) => r.baseline));
  console.log(`| median | ${ms(mp)} | ${ms(mb)} | ${(mp / mb).toFixed(1)}× | |`);
  console.log(`\nsummary of the last preview: ${JSON.stringify(lastPreview.summary)}`);
  const passed: Record<string, number> = {};
  for (const item of lastPreview.items) for (const p of item.passedOver ?? []) passed[p.code] = (passed[p.code] ?? 0) + 1;
  console.log(`methods passed over, by code: ${JSON.stringify(passed)}`);
  console.log(`refused, by code: ${JSON.stringify(lastPreview.items.filter((i: any) => !i.accepted).reduce((a: Record<string, number>, i: any) => ({ ...a, [i.error.code]: (a[i.error.code] ?? 0) + 1 }), {}))}`);
  console.log(`\ntarget: ≤ 3000 ms for 10,000 invoices; median ${ms(mp)} (${mp <= 3000 ? 'within' : 'over'})`);
} finally {
  server.close();
  await kivra.close();
  await client.connection.close().catch(() => undefined);
  await db.drop();
  await rm(outboxDir, { recursive: true, force: true });
}
