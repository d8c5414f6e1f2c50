import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';
import { fixtures } from './helpers/fixtures.js';
import { connect } from '../db/client.js';
import { createApp } from '../api/app.js';

let h: Harness;
let key: string;
let otherKey: string;
let f: ReturnType<typeof fixtures>;
let companyId: string;
let personId: string;
let invoice: { id: string; number: string };
let otherInvoiceId: string;

/** Every table's rows, to prove a refused request changed nothing. */
async function snapshot() {
  const tables = ['tenants', 'companies', 'templates', 'persons', 'organizations', 'invoice_references', 'invoices', 'invoice_history', 'documents', 'deliveries'];
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = await h.sql`SELECT * FROM ${h.sql(t)} ORDER BY 1`;
  return out;
}

function expectProblem(res: { status: number; json: any; headers: Headers }, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.json).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String), code: expect.any(String) });
  if (code) expect(res.json.code).toBe(code);
}

beforeAll(async () => {
  h = await createHarness();
  key = await h.createTenant('A');
  otherKey = await h.createTenant('B');
  f = fixtures(h, key);
  companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 600 });
  personId = await f.person();
  invoice = await f.invoice(companyId, personId);
  const g = fixtures(h, otherKey);
  otherInvoiceId = (await g.invoice(await g.company({ activeMethods: ['email'], defaultMethod: 'email' }), await g.person())).id;
});
afterAll(async () => {
  await h?.close();
});

describe('bad input gets a problem+json error and changes nothing', () => {
  it('malformed JSON → 400', async () => {
    const before = await snapshot();
    const res = await h.request('POST', '/v1/invoices/send', { key, rawBody: '{"invoiceIds": [' });
    expectProblem(res, 400, 'malformed_request');
    expect(await snapshot()).toEqual(before);
  });

  it('unknown fields → 422 naming the field', async () => {
    const before = await snapshot();
    const res = await h.request('POST', '/v1/persons', { key, body: { name: 'X', favouriteColour: 'blue' } });
    expectProblem(res, 422, 'validation_failed');
    expect(JSON.stringify(res.json.errors)).toContain('favouriteColour');
    expect(await snapshot()).toEqual(before);
  });

  it('unknown ids in a body → 422 with the field; unknown ids in the path → 404', async () => {
    const before = await snapshot();
    const res = await h.request('POST', '/v1/invoices', {
      key,
      body: { companyId: 'cmp_nope', personId: 'per_nope', number: 'X1', issueDate: '2026-11-01', dueDate: '2026-11-30', lines: [{ description: 'a', quantity: 1, unitAmount: 100, vatRate: 25 }] },
    });
    expectProblem(res, 422);
    expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['companyId', 'personId']);
    expectProblem(await h.request('GET', '/v1/invoices/inv_nope', { key }), 404, 'not_found');
    expectProblem(await h.request('GET', '/v1/companies/cmp_nope', { key }), 404, 'not_found');
    const sendUnknown = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: ['inv_nope'] } });
    expect(sendUnknown.json.results).toEqual([{ invoiceId: 'inv_nope', accepted: false, error: { code: 'not_found', message: 'No invoice with this id.' } }]);
    expect(await snapshot()).toEqual(before);
  });

  it("another tenant's invoice is answered exactly like a missing one", async () => {
    const before = await snapshot();
    const missing = await h.request('GET', '/v1/invoices/inv_doesnotexist', { key });
    const foreign = await h.request('GET', `/v1/invoices/${otherInvoiceId}`, { key });
    expectProblem(foreign, 404, 'not_found');
    expect({ ...foreign.json, instance: null }).toEqual({ ...missing.json, instance: null });
    expectProblem(await h.request('PATCH', `/v1/invoices/${otherInvoiceId}`, { key, body: { email: 'x@example.com' } }), 404);
    expectProblem(await h.request('POST', `/v1/invoices/${otherInvoiceId}/credit`, { key, body: {} }), 404);
    expectProblem(await h.request('GET', `/v1/invoices/${otherInvoiceId}/history`, { key }), 404);
    const send = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [otherInvoiceId] } });
    expect(send.json.results[0]).toMatchObject({ accepted: false, error: { code: 'not_found' } });
    const list = await h.request('GET', '/v1/invoices', { key });
    expect(list.json.items.map((i: { id: string }) => i.id)).not.toContain(otherInvoiceId);
    expect(await snapshot()).toEqual(before);
  });

  it('invalid e-mail on PATCH → 422 and the field keeps its value', async () => {
    const before = await snapshot();
    for (const email of ['not-an-email', 'a@b', 'x@example.com\nBcc: y@example.com', 'Name <x@example.com>']) {
      const res = await h.request('PATCH', `/v1/invoices/${invoice.id}`, { key, body: { email } });
      expectProblem(res, 422, 'validation_failed');
      expect(res.json.errors[0].path).toBe('email');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('10,001 ids → 422, nothing pending', async () => {
    const before = await snapshot();
    const ids = Array.from({ length: 10_001 }, () => invoice.id);
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: ids } });
    expectProblem(res, 422, 'validation_failed');
    expect(res.json.errors[0].path).toBe('invoiceIds');
    expect(await snapshot()).toEqual(before);
  });

  it('empty id list, a body too large, a missing or wrong key', async () => {
    const before = await snapshot();
    expectProblem(await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [] } }), 422);
    expectProblem(await h.request('POST', '/v1/invoices/send', { key, rawBody: JSON.stringify({ invoiceIds: ['x'.repeat(5_000_000)] }) }), 413, 'body_too_large');
    expectProblem(await h.request('GET', '/v1/invoices'), 401, 'unauthorized');
    expectProblem(await h.request('GET', '/v1/invoices', { key: 'idk_wrong' }), 401, 'unauthorized');
    expectProblem(await h.request('POST', '/admin/tenants', { key, body: { name: 'x' } }), 401);
    expect(await snapshot()).toEqual(before);
  });

  it('settings that contradict themselves → 422 naming each field', async () => {
    const before = await snapshot();
    const res = await h.request('PUT', `/v1/companies/${companyId}/distribution-settings`, {
      key,
      body: { activeMethods: ['email'], defaultMethod: 'own_printer', fallbackMethod: 'email', reminderDistribution: false, undoWindowSeconds: 300, linkInvoiceToOrganization: false },
    });
    expectProblem(res, 422);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual(['defaultMethod']);
    const same = await h.request('PUT', `/v1/companies/${companyId}/distribution-settings`, {
      key,
      body: { activeMethods: ['email'], defaultMethod: 'email', fallbackMethod: 'email', reminderDistribution: false, undoWindowSeconds: 300, linkInvoiceToOrganization: false },
    });
    expect(same.json.errors.map((e: { path: string }) => e.path)).toEqual(['fallbackMethod']);
    const range = await h.request('PUT', `/v1/companies/${companyId}/distribution-settings`, {
      key,
      body: { activeMethods: ['email'], defaultMethod: 'email', fallbackMethod: null, reminderDistribution: false, undoWindowSeconds: 86401, linkInvoiceToOrganization: false },
    });
    expect(range.json.errors.map((e: { path: string }) => e.path)).toEqual(['undoWindowSeconds']);
    expect(await snapshot()).toEqual(before);
  });

  it('a logo that is not the image it claims to be → 422', async () => {
    const before = await snapshot();
    const res = await h.request('POST', '/v1/companies', {
      key,
      body: {
        name: 'Logo AB', orgNumber: '556677-8899', address: { street: 'Gatan 1', postalCode: '111 22', city: 'Stockholm' },
        logo: { contentType: 'image/png', data: Buffer.from('<svg>not a png</svg>').toString('base64') },
      },
    });
    expectProblem(res, 422);
    expect(res.json.errors[0].path).toBe('logo.data');
    expect(await snapshot()).toEqual(before);
  });

  it('a duplicate invoice number in the company → 409; a wrong OCR check digit → 422', async () => {
    const before = await snapshot();
    const body = { companyId, personId, number: invoice.number, issueDate: '2026-11-01', dueDate: '2026-11-30', lines: [{ description: 'a', quantity: 1, unitAmount: 100, vatRate: 25 }] };
    expectProblem(await h.request('POST', '/v1/invoices', { key, body }), 409, 'duplicate_number');
    const badOcr = await h.request('POST', '/v1/invoices', { key, body: { ...body, number: 'NEW-1', ocr: '1234567' } });
    expectProblem(badOcr, 422);
    expect(badOcr.json.errors[0].path).toBe('ocr');
    expect(await snapshot()).toEqual(before);
  });

  it('Idempotency-Key: the same key and body answers the first response and sends once', async () => {
    const fresh = await f.invoice(companyId, personId);
    const headers = { 'idempotency-key': 'send-batch-42' };
    const first = await h.request('POST', '/v1/invoices/send', { key, headers, body: { invoiceIds: [fresh.id] } });
    const second = await h.request('POST', '/v1/invoices/send', { key, headers, body: { invoiceIds: [fresh.id] } });
    expect(second.status).toBe(202);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const requested = await h.sql`SELECT 1 FROM invoice_history WHERE invoice_id = ${fresh.id} AND type = 'send_requested'`;
    expect(requested).toHaveLength(1);
    const other = await h.request('POST', '/v1/invoices/send', { key, headers, body: { invoiceIds: [invoice.id] } });
    expectProblem(other, 422, 'idempotency_key_reused');

    // A claim left by a request that never finished: 409 at first, released after five minutes.
    const abandoned = { 'idempotency-key': 'abandoned-1' };
    const body = { invoiceIds: ['inv_nope'] };
    await h.request('POST', '/v1/invoices/send', { key, headers: abandoned, body });
    await h.sql`UPDATE idempotency_keys SET status_code = NULL, response = NULL WHERE key = 'abandoned-1'`;
    expectProblem(await h.request('POST', '/v1/invoices/send', { key, headers: abandoned, body }), 409, 'idempotency_in_progress');
    await h.sql`UPDATE idempotency_keys SET created_at = now() - interval '6 minutes' WHERE key = 'abandoned-1'`;
    expect((await h.request('POST', '/v1/invoices/send', { key, headers: abandoned, body })).status).toBe(202);
  });
});

describe('the documented surface', () => {
  it('/health answers 503 and names the failing check when the database is unreachable', async () => {
    const unreachable = connect('postgres://postgres@127.0.0.1:1/nothing', { max: 1 });
    try {
      const app = createApp({ sql: unreachable, temporal: { client: h.client, taskQueue: h.taskQueue }, adminToken: 'x', starter: h.starter });
      const res = await app.request('/health');
      expect(res.status).toBe(503);
      const body = (await res.json()) as { reasons: string[] };
      expect(body).toMatchObject({ status: 'degraded', checks: { database: 'failing', temporal: 'ok', stuckPending: null } });
      expect(body.reasons).toContain('The database cannot be reached.');
      expect((await app.request('/health/ready')).status).toBe(503);
    } finally {
      await unreachable.end({ timeout: 1 });
    }
  });

  it('serves /health, /openapi.json (3.1, every path of API.md) and /docs', async () => {
    const health = await h.request('GET', '/health');
    expect(health.status).toBe(200);
    // This file runs no worker: the service is up but degraded, and says why.
    expect(health.json).toEqual({
      status: 'degraded',
      checks: { database: 'ok', temporal: 'ok', workers: 'none', stuckPending: 0 },
      reasons: [`No worker is polling the task queue "${h.taskQueue}": sends wait until one does.`],
    });
    expect((await h.request('GET', '/health/ready')).json).toEqual({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
    const doc = await h.request('GET', '/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    for (const p of [
      '/admin/tenants', '/v1/companies', '/v1/companies/{id}', '/v1/companies/{id}/distribution-settings', '/v1/companies/{id}/templates',
      '/v1/persons', '/v1/persons/{id}', '/v1/organizations', '/v1/organizations/{id}', '/v1/organizations/{id}/invoice-references',
      '/v1/invoices', '/v1/invoices/{id}', '/v1/invoices/{id}/history', '/v1/invoices/{id}/documents', '/v1/documents/{id}',
      '/v1/invoices/send', '/v1/invoices/{id}/credit', '/v1/invoices/send-reminders', '/v1/invoices/{id}/mark-paid',
      '/v1/companies/{id}/dunning', '/v1/print-batches', '/v1/print-batches/{id}', '/v1/companies/{id}/autogiro-mandates',
    ]) {
      expect(doc.json.paths, p).toHaveProperty([p]);
    }
    const docs = await h.request('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('/docs/assets/swagger-ui-dist/swagger-ui-bundle.js');
    const bundle = await h.app.request('/docs/assets/swagger-ui-dist/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    expect((await h.app.request('/docs/assets/swagger-ui-dist/..%2Fpackage.json')).status).toBe(404);
  });
});
