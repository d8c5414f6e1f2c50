// Personal data (issue 23): a person sent invoices and a reminder by every channel and paid, their
// export, their erasure, and then a search of every table, event, outbox file and log line of the
// run for each piece of their data — found only inside the kept documents.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { waitFor } from './helpers/fixtures.js';
import { startProviderServer } from './helpers/provider-server.js';
import { startKivraStandIn } from './helpers/kivra-stand-in.js';
import { bgmaxFile } from './helpers/bank-file-builder.js';
import { pdfText } from './helpers/pdf-text.js';
import { piecesIn, searchFiles, searchTables } from './helpers/personal-data-search.js';
import { createLogger } from '../platform/logger.js';
import { SendCache } from '../activities/send-cache.js';
import { loadSendContext } from '../activities/load-send-context.js';
import { applyPersonalDataRetention } from '../workflows/personal-data-retention.js';
import { ensurePersonalDataRetentionSchedule } from '../services/personal-data-retention-schedule.js';

const TENANT_KEY = '13443459078e31ba8630e2e9842906c7baf38b131e';
const PIN = '197701032380';
const PERSON = {
  name: 'Greta Raderasson',
  email: 'greta.raderasson@example.se',
  invoiceEmail: 'greta.faktura@example.se',
  address: { street: 'Lingonstigen 7', postalCode: '962 31', city: 'Jokkmokk', country: 'SE' },
  personalIdentityNumber: PIN,
};
/** Where the person moves after the sends: the copies made before still hold the old values. */
const MOVED = { invoiceEmail: 'greta.ny@example.se', address: { street: 'Hjortronvägen 3', postalCode: '981 31', city: 'Kiruna', country: 'SE' } };
/** Each piece of the person's data, as searched for: what they have now and what they had. */
const PIECES = [
  PERSON.name, PERSON.email, PERSON.invoiceEmail, MOVED.invoiceEmail,
  PERSON.address.street, PERSON.address.postalCode, PERSON.address.city,
  MOVED.address.street, MOVED.address.postalCode, MOVED.address.city,
  PIN, `${PIN.slice(0, 8)}-${PIN.slice(8)}`,
];

// Every log line the API and the activities write during the file's run.
const logLines: string[] = [];
const logger = createLogger({
  name: 'test', level: 'debug',
  destination: new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }) as never,
});

let h: Harness;
let key: string;
let f: TestService['f'];
let print: Awaited<ReturnType<typeof startProviderServer>>;
let pagero: Awaited<ReturnType<typeof startProviderServer>>;
let kivra: Awaited<ReturnType<typeof startKivraStandIn>>;

beforeAll(async () => {
  print = await startProviderServer([{ status: 201, json: { jobId: 'PJ-1' } }]);
  pagero = await startProviderServer([{ status: 201, json: { documentId: 'PG-1' } }]);
  kivra = await startKivraStandIn({ clientId: 'kivra-client', clientSecret: 'kivra-secret', tenantKey: TENANT_KEY, users: [PIN] });
});
useTestService((s) => ({ h, key, f } = s), () => ({ printProviderUrl: print.url, pageroApiUrl: pagero.url, kivraApiUrl: kivra.url, logger }));
afterAll(async () => {
  await print?.close();
  await pagero?.close();
  await kivra?.close();
});

async function send(invoiceIds: string[], what = '/v1/invoices/send') {
  const res = await h.request('POST', what, { key, body: { invoiceIds } });
  expect(res.status, res.text).toBe(202);
  for (const r of res.json.results) {
    expect(r.accepted, JSON.stringify(r)).toBe(true);
    await h.client.workflow.getHandle(r.workflowId).result();
  }
}

async function pay(companyId: string, invoices: readonly { ocr: string; totalAmount: number }[], payerName?: string) {
  const file = bgmaxFile({ deposits: [{ date: '2026-12-01', payments: invoices.map((i) => ({ reference: i.ocr, amount: i.totalAmount, name: payerName })) }] });
  const res = await h.request('POST', `/v1/companies/${companyId}/payment-files`, { key, rawBody: file, headers: { 'content-type': 'text/plain; charset=iso-8859-1' } });
  expect(res.status, res.text).toBe(202);
  await waitFor(async () => (await h.request('GET', `/v1/payment-files/${res.json.id}`, { key })).json.status === 'done', { what: 'the payment file applied' });
}

async function allEvents(apiKey: string) {
  const out: any[] = [];
  let after: string | null = null;
  for (;;) {
    const res = await h.request('GET', `/v1/events?limit=500${after ? `&after=${after}` : ''}`, { key: apiKey });
    expect(res.status).toBe(200);
    out.push(...res.json.items);
    if (!res.json.items.length) return out;
    after = res.json.items.at(-1).id;
  }
}

const hasPiece = (text: string) => piecesIn(PIECES, text);

describe('personal data', () => {
  it('sent by every channel and paid: the export lists every place; the erasure leaves the data only inside the kept documents', async () => {
    // The person, created with an Idempotency-Key: the cached answer holds their data too.
    const created = await h.request('POST', '/v1/persons', { key, body: PERSON, headers: { 'idempotency-key': 'create-greta' } });
    expect(created.status, created.text).toBe(201);
    const personId = created.json.id as string;

    // One company per channel, each with the channel as its default.
    const emailCo = await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true });
    const printCo = await f.company({ activeMethods: ['central_print'], defaultMethod: 'central_print' });
    const kivraCo = await f.company({ activeMethods: ['kivra'], defaultMethod: 'kivra' }, { kivraTenantKey: TENANT_KEY });
    const agCo = await f.company({ activeMethods: ['autogiro'], defaultMethod: 'autogiro' }, { autogiroCustomerNumber: '4711' });
    const ownCo = await f.company({ activeMethods: ['own_printer'], defaultMethod: 'own_printer' });
    const mandate = await h.request('POST', `/v1/companies/${agCo}/autogiro-mandates`, { key, body: { personId, payerNumber: PIN, status: 'active' } });
    expect(mandate.status, mandate.text).toBe(201);

    const byEmail = await f.invoice(emailCo, personId, { issueDate: '2026-09-01', dueDate: '2026-10-01' });
    const byPrint = await f.invoice(printCo, personId);
    const byKivra = await f.invoice(kivraCo, personId);
    const byAutogiro = await f.invoice(agCo, personId, { dueDate: '2026-12-28' });
    const byOwn = await f.invoice(ownCo, personId);
    // An invoice of 2017: its retention ended on 2024-12-31.
    const old = await f.invoice(ownCo, personId, { issueDate: '2017-03-01', dueDate: '2017-03-31' });
    await send([byEmail.id, byPrint.id, byKivra.id, byAutogiro.id, byOwn.id, old.id]);

    // E-invoice: the person's organization receives it by PEPPOL through a company that links them.
    const orgId = await f.organization({ name: 'Raderasson Konsult AB', peppolId: '0007:5567321707' });
    expect((await h.request('PATCH', `/v1/persons/${personId}`, { key, body: { organizationId: orgId } })).status).toBe(200);
    const peppolCo = await f.company({ activeMethods: ['e_invoice'], defaultMethod: 'e_invoice', linkInvoiceToOrganization: true });
    const byPeppol = await f.invoice(peppolCo, personId);
    await send([byPeppol.id]);
    await send([byEmail.id], '/v1/invoices/send-reminders');
    // They move and change their invoice e-mail: the export and the erasure still find the old values.
    expect((await h.request('PATCH', `/v1/persons/${personId}`, { key, body: MOVED })).status).toBe(200);

    const methods = await h.sql`SELECT DISTINCT method FROM deliveries WHERE invoice_id IN (SELECT id FROM invoices WHERE person_id = ${personId}) ORDER BY method`;
    expect(methods.map((m) => m.method)).toEqual(['autogiro', 'central_print', 'e_invoice', 'email', 'kivra', 'own_printer']);
    expect((await h.sql`SELECT type FROM invoice_history WHERE invoice_id = ${byEmail.id} AND type = 'reminder_sent'`).length).toBe(1);
    expect(h.smtp.received.filter((m) => JSON.stringify(m.to).includes(PERSON.invoiceEmail)).length).toBe(2); // the invoice and the reminder
    expect(kivra.delivered.length).toBeGreaterThan(0);

    // While an invoice is open: 409, and nothing changed.
    const refused = await h.request('POST', `/v1/persons/${personId}/erase`, { key, body: { reason: 'Begäran från medlemmen' } });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.json).toMatchObject({ code: 'open_invoices', status: 409 });
    expect((await h.sql`SELECT name FROM persons WHERE id = ${personId}`)[0].name).toBe(PERSON.name);

    // Paid: BgMax files for each company, the old one by hand.
    for (const [co, invs] of [[emailCo, [byEmail]], [printCo, [byPrint]], [kivraCo, [byKivra]], [agCo, [byAutogiro]], [ownCo, [byOwn]], [peppolCo, [byPeppol]]] as const) {
      // The bank names the payer in the e-mail company's file.
      await pay(co, invs, co === emailCo ? PERSON.name : undefined);
    }
    const [bankFile] = await h.sql`SELECT id, content FROM payment_files WHERE company_id = ${emailCo}`;
    expect(Buffer.from(bankFile.content).toString('latin1')).toContain(PERSON.name);
    expect((await h.request('POST', `/v1/invoices/${old.id}/mark-paid`, { key, body: { paidAt: '2017-03-20' } })).status).toBe(200);
    const statuses = await h.sql`SELECT status FROM invoices WHERE person_id = ${personId}`;
    expect(statuses.map((s) => s.status)).toEqual(Array(statuses.length).fill('paid'));

    // A send finished in one step keeps nothing in the worker's cache; a run of the older shape,
    // between its steps, holds the context it planned with: one such is put in a cache here.
    const inFlight = new SendCache();
    const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${byOwn.id}`;
    inFlight.rememberContext('send-between-steps', (await loadSendContext(h.sql, tenantId, byOwn.id))!);

    // The export: the person, invoices, history, deliveries, documents, events, and every place.
    const tablesBefore = await searchTables(h, PIECES);
    const filesBefore = await searchFiles(h, PIECES);
    expect([...filesBefore.keys()].some((p) => p.includes(`autogiro${path.sep}${agCo}`))).toBe(true);
    const exported = await h.request('GET', `/v1/persons/${personId}/personal-data`, { key });
    expect(exported.status, exported.text).toBe(200);
    const ex = exported.json;
    expect(ex.person).toMatchObject({ id: personId, name: PERSON.name, email: PERSON.email, invoiceEmail: MOVED.invoiceEmail, personalIdentityNumber: PIN, erasedAt: null });
    // The old address and invoice e-mail are where the sends copied them.
    const oldStreet = [...tablesBefore.entries()].filter(([, found]) => found.includes(PERSON.address.street)).map(([k]) => k.split('.')[0]);
    expect(oldStreet).toEqual(expect.arrayContaining(['deliveries', 'invoice_history']));
    expect([...tablesBefore.values()].some((found) => found.includes(PERSON.invoiceEmail))).toBe(true);
    expect(ex.invoices.map((i: { id: string }) => i.id).sort()).toEqual([byEmail, byPrint, byKivra, byAutogiro, byOwn, old, byPeppol].map((i) => i.id).sort());
    expect(new Set(ex.deliveries.map((d: { method: string }) => d.method))).toEqual(new Set(methods.map((m) => m.method)));
    expect(ex.deliveries.find((d: { method: string }) => d.method === 'email').recipient).toBe(PERSON.invoiceEmail);
    expect(ex.history.some((e: { type: string }) => e.type === 'reminder_sent')).toBe(true);
    const documentIds = (await h.sql`SELECT id FROM documents WHERE invoice_id IN (SELECT id FROM invoices WHERE person_id = ${personId}) ORDER BY id`).map((d) => d.id);
    expect(ex.documents.map((d: { id: string }) => d.id).sort()).toEqual(documentIds);
    const eventIds = (await h.sql`SELECT id FROM events WHERE invoice_id IN (SELECT id FROM invoices WHERE person_id = ${personId})`).map((e) => e.id);
    expect(ex.events.map((e: { id: string }) => e.id).sort()).toEqual(eventIds.sort());
    const listed = new Set(ex.places.stored.map((p: { table: string; column: string; key: string }) => `${p.table}.${p.column} ${p.key}`));
    const missing = [...tablesBefore.keys()].filter((k) => !listed.has(k));
    expect(missing).toEqual([]);
    expect(tablesBefore.size).toBeGreaterThan(10);
    const tablesFound = [...new Set([...tablesBefore.keys()].map((k) => k.split('.')[0]))].sort();
    expect(tablesFound).toEqual(expect.arrayContaining(['autogiro_mandates', 'autogiro_records', 'deliveries', 'events', 'idempotency_keys', 'invoice_history', 'invoices', 'persons']));
    expect(ex.places.outboxSearched).toBe(true);
    expect(ex.places.sendCache).toBe(1);
    expect(ex.places.files.map((f: { path: string }) => f.path).sort()).toEqual([...filesBefore.keys()].sort());
    expect(ex.places.stored).toContainEqual({ table: 'payment_files', column: 'content', key: bankFile.id, found: ['name'] });

    // Erased: the answer lists the kept documents with the end of their retention.
    const erased = await h.request('POST', `/v1/persons/${personId}/erase`, { key, body: { reason: 'Begäran från medlemmen (art. 17)' } });
    expect(erased.status, erased.text).toBe(200);
    expect(Date.parse(erased.json.erasedAt)).toBeGreaterThan(Date.now() - 120_000);
    const keptDocs = erased.json.kept.filter((k: { kind: string }) => !['history', 'payment_file'].includes(k.kind));
    // The bank's file is the company's accounting record: kept as it came, listed.
    expect(erased.json.kept).toContainEqual({ kind: 'payment_file', id: bankFile.id, until: '2033-12-31' });
    expect(keptDocs.map((k: { id: string }) => k.id).sort()).toEqual(documentIds);
    expect(new Set(keptDocs.map((k: { kind: string }) => k.kind))).toEqual(new Set(['invoice_pdf', 'reminder_pdf', 'ubl']));
    const oldDocs = (await h.sql`SELECT id FROM documents WHERE invoice_id = ${old.id}`).map((d) => d.id);
    for (const k of keptDocs) expect(k.until).toBe(oldDocs.includes(k.id) ? '2024-12-31' : '2033-12-31');

    // Nothing left in any table, event, outbox file or log line of the run.
    expect([...(await searchTables(h, PIECES)).entries()]).toEqual([]);
    expect([...(await searchFiles(h, PIECES)).entries()]).toEqual([]);
    const events = await allEvents(key);
    expect(events.filter((e) => hasPiece(JSON.stringify(e)).length)).toEqual([]);
    const erasedEvent = events.find((e) => e.type === 'person.erased');
    expect(erasedEvent.data.person).toMatchObject({ id: personId, erasedAt: erased.json.erasedAt });
    expect(logLines.length).toBeGreaterThan(20);
    expect(logLines.filter((l) => hasPiece(l).length)).toEqual([]);
    const metrics = await h.request('GET', '/metrics', { headers: { authorization: `Bearer ${h.adminToken}` } });
    expect(metrics.status).toBe(200);
    expect(hasPiece(metrics.text)).toEqual([]);

    // The person and the copies read as [raderad]; the Autogiro file keeps its 80-character records.
    const person = await h.request('GET', `/v1/persons/${personId}`, { key });
    expect(person.json).toMatchObject({ name: '[raderad]', email: '[raderad]', invoiceEmail: '[raderad]', personalIdentityNumber: null });
    const [sentByEmail] = await h.sql`SELECT recipient, message FROM invoice_history WHERE invoice_id = ${byEmail.id} AND type = 'sent'`;
    expect(sentByEmail.recipient).toBe('[raderad]');
    const [agFile] = await readdir(path.join(h.outboxDir, 'autogiro', agCo));
    const agLines = (await readFile(path.join(h.outboxDir, 'autogiro', agCo, agFile), 'latin1')).split('\r\n').filter(Boolean);
    expect(agLines.every((l) => l.length === 80)).toBe(true);
    expect(agLines.some((l) => l.includes('[raderad]'))).toBe(true);

    // Only inside the kept documents: the issued PDF still names the person.
    const [pdf] = await h.sql`SELECT content FROM documents WHERE invoice_id = ${byOwn.id} AND kind = 'invoice_pdf'`;
    expect(await pdfText(pdf.content)).toContain(PERSON.name);

    // The export after: the person erased, their documents kept.
    const after = await h.request('GET', `/v1/persons/${personId}/personal-data`, { key });
    expect(after.status).toBe(200);
    expect(after.json.person.erasedAt).toBe(erased.json.erasedAt);
    expect(after.json.places.files).toEqual([]);
    expect(after.json.places.sendCache).toBe(0);
    expect(inFlight.context('send-between-steps')).toBeNull();
    expect(after.json.kept.length).toBe(erased.json.kept.length);

    // The daily retention job: the 2017 invoice's documents and history go, the rest stay; it records what it deleted.
    const scheduleId = `personal-data-retention-${h.taskQueue}`;
    await ensurePersonalDataRetentionSchedule(h.client, { taskQueue: h.taskQueue, scheduleId });
    const schedule = await h.client.schedule.getHandle(scheduleId).describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'applyPersonalDataRetention', taskQueue: h.taskQueue });
    expect(schedule.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 2, end: 2, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] });
    await h.client.schedule.getHandle(scheduleId).delete();
    const run = await h.client.workflow.execute(applyPersonalDataRetention, { taskQueue: h.taskQueue, workflowId: `retention-${h.taskQueue}`, args: [{}] });
    expect(run.deleted).toBe(oldDocs.length + 1);
    expect(await h.sql`SELECT id FROM documents WHERE invoice_id = ${old.id}`).toEqual([]);
    expect(await h.sql`SELECT id FROM invoice_history WHERE invoice_id = ${old.id}`).toEqual([]);
    expect((await h.sql`SELECT id FROM documents WHERE id = ANY(${documentIds}::text[])`).length).toBe(documentIds.length - oldDocs.length);
    const recorded = await h.sql`SELECT kind, item_id, deleted_count FROM retained_items WHERE deleted_at IS NOT NULL ORDER BY kind, item_id`;
    expect(recorded.map((r) => r.item_id).sort()).toEqual([...oldDocs, old.id].sort());
    expect(recorded.every((r) => r.deleted_count > 0)).toBe(true);
    expect((await h.sql`SELECT octet_length(content) AS n FROM payment_files WHERE id = ${bankFile.id}`)[0].n).toBeGreaterThan(0);
    // Run again: nothing more to delete.
    expect((await h.client.workflow.execute(applyPersonalDataRetention, { taskQueue: h.taskQueue, workflowId: `retention-again-${h.taskQueue}`, args: [{}] })).deleted).toBe(0);
  });

  it("another tenant's person is not found; bad input is a problem and changes nothing", async () => {
    const personId = await f.person({ name: 'Bertil Behåll', email: 'bertil@example.se' });
    const other = await h.createTenant('Other');
    for (const [method, url, body] of [['GET', `/v1/persons/${personId}/personal-data`, undefined], ['POST', `/v1/persons/${personId}/erase`, { reason: 'x' }]] as const) {
      const res = await h.request(method, url, { key: other, body });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.json).toMatchObject({ code: 'not_found', status: 404 });
    }
    const missing = await h.request('POST', '/v1/persons/per_nobody/erase', { key, body: { reason: 'x' } });
    expect(missing.status).toBe(404);

    const before = await h.sql`SELECT * FROM persons WHERE id = ${personId}`;
    for (const [body, rawBody, status] of [
      [{}, undefined, 422],
      [{ reason: '' }, undefined, 422],
      [{ reason: 'ok', extra: true }, undefined, 422],
      [{ reason: 'x'.repeat(501) }, undefined, 422],
      [undefined, '{"reason":', 400],
    ] as const) {
      const res = await h.request('POST', `/v1/persons/${personId}/erase`, { key, body, rawBody });
      expect(res.status, res.text).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.json).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String), code: expect.any(String) });
      if (status === 422) expect(res.json.errors.length).toBeGreaterThan(0);
    }
    expect(await h.sql`SELECT * FROM persons WHERE id = ${personId}`).toEqual(before);
    expect(await h.sql`SELECT * FROM person_erasures WHERE person_id = ${personId}`).toEqual([]);
    expect(await h.sql`SELECT * FROM events WHERE type = 'person.erased' AND data->'person'->>'id' = ${personId}`).toEqual([]);
    const unauth = await h.request('GET', `/v1/persons/${personId}/personal-data`);
    expect(unauth.status).toBe(401);
  });

  it("another customer with the same e-mail address is listed as theirs and keeps it", async () => {
    const leaving = await f.person({ name: 'Karl Familj', email: 'familjen.lund@example.se' });
    const staying = await f.person({ name: 'Lisa Familj', email: 'familjen.lund@example.se' });
    const exported = await h.request('GET', `/v1/persons/${leaving}/personal-data`, { key });
    expect(exported.json.places.stored).toContainEqual({ table: 'persons', column: 'email', key: staying, found: ['email'], ofAnotherCustomer: true });
    expect(exported.json.places.stored).toContainEqual({ table: 'persons', column: 'email', key: leaving, found: ['email'] });
    const erased = await h.request('POST', `/v1/persons/${leaving}/erase`, { key, body: { reason: 'Begäran' } });
    expect(erased.status, erased.text).toBe(200);
    expect(erased.json.kept).toEqual([]);
    expect((await h.sql`SELECT name, email FROM persons WHERE id = ${staying}`)[0]).toEqual({ name: 'Lisa Familj', email: 'familjen.lund@example.se' });
    expect((await h.sql`SELECT name, email FROM persons WHERE id = ${leaving}`)[0]).toEqual({ name: '[raderad]', email: '[raderad]' });
    // No new invoice to an erased person: it would reach no one.
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const refused = await h.request('POST', '/v1/invoices', {
      key, body: { companyId, personId: leaving, number: '7001', issueDate: '2026-12-01', dueDate: '2026-12-31', lines: [{ description: 'Årskort', quantity: 1, unitAmount: 100, vatRate: 6 }] },
    });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ code: 'person_erased', status: 409 });
    expect(await h.sql`SELECT id FROM invoices WHERE person_id = ${leaving}`).toEqual([]);
  });
});
