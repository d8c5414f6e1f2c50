// Hostile and careless input, and the races around crediting: each case refused cleanly or
// settled, never a 500, never a stuck pending_send, never a double delivery.
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { describe, expect, inject, it } from 'vitest';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitFor, waitForStatus } from './helpers/fixtures.js';
import { creditSignal } from '../workflows/definitions.js';
import { createActivities } from '../activities/index.js';
import { requestSends } from '../services/request-sends.js';
import { SendStarter } from '../services/send-starter.js';
import { creditInvoice } from '../services/credit-invoice.js';
import { createEmailChannel } from '../channels/email.js';
import { escapeForLog } from '../platform/log-line.js';
import { embeddedPostgresBlocker, firstClosedFolder } from '../platform/embedded-db.js';
import { classifyDatabaseError } from '../activities/database-errors.js';
import { ApplicationFailure } from '@temporalio/common';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

function expectProblem(res: { status: number; json: any; headers: Headers }, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  if (code) expect(res.json.code).toBe(code);
}

const png = (width = 4, height = 3) => {
  const img = new PNG({ width, height });
  img.data.fill(0x80);
  return PNG.sync.write(img);
};
const jpg = () => jpeg.encode({ width: 4, height: 4, data: Buffer.alloc(4 * 4 * 4, 0x80) }, 80).data;

describe('NUL characters, impossible dates and totals are refused before they reach the database', () => {
  it('a NUL in a body field, a query, a path id or an id list → 422/404, nothing written', async () => {
    const persons = await h.sql`SELECT count(*)::int AS n FROM persons`;
    const person = await h.request('POST', '/v1/persons', { key, body: { name: 'a\u0000' } });
    expectProblem(person, 422, 'validation_failed');
    expect(person.json.errors).toEqual([{ path: 'name', message: 'must not contain a NUL character' }]);
    expect(await h.sql`SELECT count(*)::int AS n FROM persons`).toEqual(persons);

    expectProblem(await h.request('GET', '/v1/invoices?companyId=%00', { key }), 422, 'validation_failed');
    expectProblem(await h.request('GET', '/v1/invoices/inv_%00', { key }), 404, 'not_found');
    const send = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: ['inv_1', 'inv_\u0000'] } });
    expectProblem(send, 422);
    expect(send.json.errors[0].path).toBe('invoiceIds.1');
  });

  it('a credit reason with a NUL while the send waits → 422; the send is not wedged and goes out after its window', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 2 });
    const inv = await f.invoice(companyId, await f.person({ email: 'nul@example.com' }));
    expect((await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } })).status).toBe(202);
    expectProblem(await h.request('POST', `/v1/invoices/${inv.id}/credit`, { key, body: { reason: 'x\u0000' } }), 422);
    await waitForStatus(h, inv.id, 'sent');
  });

  it('a credit signal with a NUL in its reason (from an event source, not the API) still undoes the send', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 3 });
    const inv = await f.invoice(companyId, await f.person());
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    const handle = h.client.workflow.getHandle(res.json.results[0].workflowId);
    await handle.signal(creditSignal, { reason: 'x\u0000y' });
    await handle.result();
    expect((await waitForStatus(h, inv.id, 'credited')).pending_workflow_id).toBeNull();
    expect((await history(h, inv.id)).at(-1)).toMatchObject({ type: 'send_undone', message: expect.stringContaining('Reason: xy') });
  });

  it('issue date year 0000 and totals beyond 2^52 öre → 422', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const personId = await f.person();
    const base = { companyId, personId, number: 'BIG-1', issueDate: '2026-11-01', dueDate: '2026-11-30' };
    const early = await h.request('POST', '/v1/invoices', { key, body: { ...base, issueDate: '0000-01-01', lines: [{ description: 'x', quantity: 1, unitAmount: 100, vatRate: 25 }] } });
    expectProblem(early, 422);
    expect(early.json.errors.map((e: { path: string }) => e.path)).toContain('issueDate');
    const lines = Array.from({ length: 10 }, () => ({ description: 'Huge', quantity: 1_000_000, unitAmount: 1_000_000_000, vatRate: 25 }));
    const huge = await h.request('POST', '/v1/invoices', { key, body: { ...base, lines } });
    expectProblem(huge, 422);
    expect(huge.json.errors[0].path).toBe('lines');
    expectProblem(await h.request('POST', `/v1/invoices/inv_x/mark-paid`, { key, body: { paidAt: '0000-02-03' } }), 422);
    expect(await h.sql`SELECT 1 FROM invoices WHERE number = 'BIG-1'`).toHaveLength(0);
  });
});

describe('logos are decoded when they arrive', () => {
  it('PNG/JPEG magic bytes followed by junk → 422 invalid_logo on create and on PUT; a real image → 200; DELETE removes it', async () => {
    const good = png();
    const junkPng = Buffer.concat([good.subarray(0, 33), Buffer.from('this is not image data at all, only junk'.repeat(4))]);
    const junkJpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('junk'.repeat(50))]);
    const company = { name: 'Logo AB', orgNumber: '556677-8899', address: { street: 'Gatan 1', postalCode: '111 22', city: 'Stockholm' } };
    const created = await h.request('POST', '/v1/companies', { key, body: { ...company, logo: { contentType: 'image/png', data: junkPng.toString('base64') } } });
    expectProblem(created, 422, 'invalid_logo');
    expect(created.json.errors[0].path).toBe('logo.data');

    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    for (const [contentType, bytes] of [['image/png', junkPng], ['image/jpeg', junkJpeg], ['image/png', jpg()]] as const) {
      expectProblem(await h.request('PUT', `/v1/companies/${companyId}/logo`, { key, body: { contentType, data: Buffer.from(bytes).toString('base64') } }), 422, 'invalid_logo');
    }
    expect((await h.sql`SELECT logo FROM companies WHERE id = ${companyId}`)[0].logo).toBeNull();

    const put = await h.request('PUT', `/v1/companies/${companyId}/logo`, { key, body: { contentType: 'image/jpeg', data: Buffer.from(jpg()).toString('base64') } });
    expect(put.status).toBe(200);
    expect(put.json.hasLogo).toBe(true);
    // The logo now renders in a real send.
    const inv = await f.invoice(companyId, await f.person({ email: 'logo@example.com' }));
    await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    await waitForStatus(h, inv.id, 'sent');

    const del = await h.request('DELETE', `/v1/companies/${companyId}/logo`, { key });
    expect(del.status).toBe(200);
    expect(del.json.hasLogo).toBe(false);
    expect((await h.sql`SELECT logo, logo_content_type FROM companies WHERE id = ${companyId}`)[0]).toEqual({ logo: null, logo_content_type: null });
    expectProblem(await h.request('DELETE', `/v1/companies/cmp_nope/logo`, { key }), 404);
  });
});

describe('crediting', () => {
  it('five concurrent credits of a pending invoice: exactly one 200 undone:true, four 409', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 60 });
    const inv = await f.invoice(companyId, await f.person());
    await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => h.request('POST', `/v1/invoices/${inv.id}/credit`, { key, body: { reason: `clerk ${i}` } })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(answers.find((a) => a.status === 200)!.json.undone).toBe(true);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.json.code).toBe('invalid_status');
    const types = (await history(h, inv.id)).map((e) => e.type);
    expect(types).toEqual(['created', 'send_requested', 'send_undone']);
  });

  it('a credit signal that arrives while the delivery is under way still ends credited, and the history says it could not be recalled', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
    const inv = await f.invoice(companyId, await f.person({ email: 'late@example.com' }));
    h.smtp.state.temporaryFailures = 1; // the first delivery attempt fails: the run is delivering when the signal arrives
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    const handle = h.client.workflow.getHandle(res.json.results[0].workflowId);
    await waitFor(async () => h.smtp.state.temporaryFailures === 0, { what: 'the first SMTP attempt' });
    await handle.signal(creditSignal, { reason: 'customer left' });
    await handle.result();
    const final = await waitForStatus(h, inv.id, 'credited');
    expect(final.last_delivery).toMatchObject({ method: 'email', recipient: 'late@example.com' });
    const entries = await history(h, inv.id);
    expect(entries.map((e) => e.type)).toEqual(['created', 'send_requested', 'sent', 'credited']);
    expect(entries.at(-1)!.message).toBe('Invoice credited. The credit came after the undo window, when the delivery had already begun, so it could not be recalled. Reason: customer left');
  });

  it('no worker answers in time: the credit is made directly; the update handled later writes no send_undone after it, and central print is given back', async () => {
    const companyId = await f.company({ activeMethods: ['central_print'], defaultMethod: 'central_print', undoWindowSeconds: 30 });
    const inv = await f.invoice(companyId, await f.person());
    // A queue no worker polls: the send's workflow cannot answer the credit.
    const deps = { sql: h.sql, client: h.client, taskQueue: `${h.taskQueue}-idle` };
    const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${inv.id}`;
    const starter = new SendStarter(deps);
    const { results: [accepted] } = await requestSends({ sql: h.sql, starter }, tenantId, { invoiceIds: [inv.id], templateId: null, kind: 'invoice' });
    expect(accepted.accepted).toBe(true);
    await starter.drain();
    // A central-print reservation the send had made before it stalled.
    const wf = (accepted as { workflowId: string }).workflowId;
    await h.sql`INSERT INTO deliveries (workflow_id, tenant_id, invoice_id, method, recipient, send_request_id, state)
                VALUES (${wf}, ${tenantId}, ${inv.id}, 'central_print', 'x', 'req', 'started')`;
    await h.sql`UPDATE invoices SET central_print_count = 1 WHERE id = ${inv.id}`;

    const outcome = await creditInvoice(deps, tenantId, inv.id, 'direct');
    expect(outcome).toEqual({ kind: 'credited', undone: false });
    const credited = await waitForStatus(h, inv.id, 'credited');
    expect(credited.central_print_count).toBe(0);

    // A worker now picks up the run and the update that was waiting for it.
    const connection = await NativeConnection.connect({ address: h.temporalAddress });
    const late = await Worker.create({ connection, taskQueue: deps.taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') }, activities: createActivities(h.activityDeps) });
    await late.runUntil(h.client.workflow.getHandle(wf).result().catch(() => undefined));
    await connection.close();
    const types = (await history(h, inv.id)).map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['created', 'send_requested', 'credited']);
    expect(types).not.toContain('send_undone');
    expect(types).not.toContain('sent');
    expect((await h.sql`SELECT status, central_print_count FROM invoices WHERE id = ${inv.id}`)[0]).toEqual({ status: 'credited', central_print_count: 0 });
  });
});

describe('a data error in bookkeeping is final and compensated, never retried forever', () => {
  it('classifies PostgreSQL data and constraint errors as non-retryable, a lost connection as retryable', async () => {
    const dataError = await h.sql`SELECT 'abc'::int`.catch((e) => e);
    const classified = classifyDatabaseError(dataError);
    expect(classified).toBeInstanceOf(ApplicationFailure);
    expect(classified).toMatchObject({ nonRetryable: true, type: 'delivery_failed' });
    const lost = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyDatabaseError(lost)).toBe(lost);
  });

  it('the undo cannot be recorded (a constraint refuses it): the invoice is restored with a history entry, not left pending', async () => {
    await h.sql`CREATE OR REPLACE FUNCTION refuse_marked_undo() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.type = 'send_undone' AND NEW.message LIKE '%REFUSE-ME%' THEN
          RAISE EXCEPTION 'history check failed' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
      END $$`;
    await h.sql`CREATE TRIGGER refuse_marked_undo BEFORE INSERT ON invoice_history FOR EACH ROW EXECUTE FUNCTION refuse_marked_undo()`;
    try {
      const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 3 });
      const inv = await f.invoice(companyId, await f.person());
      const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
      const handle = h.client.workflow.getHandle(res.json.results[0].workflowId);
      await handle.signal(creditSignal, { reason: 'REFUSE-ME' }); // seen when the server-held window ends
      await expect(handle.result()).rejects.toThrow();
      const row = await waitForStatus(h, inv.id, 'unsent');
      expect(row.pending_workflow_id).toBeNull();
      const last = (await history(h, inv.id)).at(-1)!;
      expect(last).toMatchObject({ type: 'send_failed', error: 'delivery_failed' });
      expect(last.message).toContain('The credit could not be recorded');
      expect(last.message).toContain('history check failed');
      expect(last.message).toContain('Nothing was delivered.');
      // One attempt: a data error is not retried; nothing was sent out (no delivery activity).
      const { events } = await handle.fetchHistory();
      const localActivities = events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
      expect(localActivities.map((e) => Boolean(e.markerRecordedEventAttributes!.failure))).toEqual([true, false]); // the credit, then the restore
      expect(events!.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
    } finally {
      await h.sql`DROP TRIGGER refuse_marked_undo ON invoice_history`;
    }
  });
});

describe('exposure', () => {
  it('headers: nosniff, no-store on personal data, WWW-Authenticate on 401; a body that is not JSON → 415', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const inv = await f.invoice(companyId, await f.person());
    const res = await h.request('GET', `/v1/invoices/${inv.id}`, { key });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const unauthorized = await h.request('GET', `/v1/invoices/${inv.id}`, { key: 'wrong' });
    expectProblem(unauthorized, 401, 'unauthorized');
    expect(unauthorized.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const xml = await h.request('POST', '/v1/persons', { key, rawBody: '<person/>', headers: { 'content-type': 'application/xml' } });
    expectProblem(xml, 415, 'unsupported_media_type');
  });

  it('log lines escape control characters', () => {
    expect(escapeForLog('GET /v1/x\n[api] forged line\r\u0000')).toBe('GET /v1/x\\u000a[api] forged line\\u000d\\u0000');
  });

  it('outbox files are readable by their owner only', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'outbox-mode-'));
    try {
      const channel = createEmailChannel({ smtpUrl: null, outboxDir: path.join(dir, 'email') });
      await channel.send({ from: { name: 'A', address: 'a@example.com' }, replyTo: null, to: 'b@example.com', subject: 's', text: 't', attachment: { filename: 'f.pdf', content: Buffer.from('%PDF') }, messageId: '<m1@example.com>' });
      const [file] = await readdir(path.join(dir, 'email'));
      expect((await stat(path.join(dir, 'email', file))).mode & 0o777).toBe(0o600);
      expect((await stat(path.join(dir, 'email'))).mode & 0o777).toBe(0o700);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('as root, a checkout the postgres user cannot enter is detected: the embedded cluster then lives under /var/lib, and should that fail the message names the fix', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'closed-'));
    try {
      await chmod(dir, 0o700);
      expect(firstClosedFolder(path.join(dir, 'data'))).toBe(dir);
      const message = embeddedPostgresBlocker(path.join(dir, 'data'), path.join(dir, 'node_modules'));
      if (process.getuid?.() === 0) {
        expect(message).toContain(`cannot enter ${dir} (mode 700)`);
        expect(message).toContain('DATABASE_URL');
      } else expect(message).toBeNull();
      await chmod(dir, 0o711);
      expect(embeddedPostgresBlocker(path.join(dir, 'data'), path.join(dir, 'node_modules'))).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('housekeeping', () => {
  it('the dunning, status, delivery and idempotency indexes exist', async () => {
    const names = (await h.sql`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`).map((r) => r.indexname);
    expect(names).toEqual(expect.arrayContaining(['invoices_dunning', 'invoices_by_status', 'deliveries_invoice', 'deliveries_print_batch', 'idempotency_keys_created']));
  });

  it('an idempotency key older than 24 hours has expired: the key may be used afresh', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 600 });
    const inv = await f.invoice(companyId, await f.person());
    const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${inv.id}`;
    await h.sql`INSERT INTO idempotency_keys (tenant_id, key, request_hash, status_code, response, created_at)
                VALUES (${tenantId}, 'old-key', 'another request', 202, '{}', now() - interval '25 hours')`;
    const res = await h.request('POST', '/v1/invoices/send', { key, headers: { 'idempotency-key': 'old-key' }, body: { invoiceIds: [inv.id] } });
    expect(res.status).toBe(202);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
  });

  it('a print batch is merged once and served from the stored merge', async () => {
    const companyId = await f.company({ activeMethods: ['own_printer'], defaultMethod: 'own_printer' });
    const a = await f.invoice(companyId, await f.person({ name: 'Anna' }));
    const b = await f.invoice(companyId, await f.person({ name: 'Bertil' }));
    await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [a.id, b.id] } });
    await waitForStatus(h, a.id, 'sent');
    await waitForStatus(h, b.id, 'sent');
    const [batch] = await h.sql`SELECT id FROM print_batches WHERE company_id = ${companyId}`;
    const first = await h.app.request(`/v1/print-batches/${batch.id}`, { headers: { authorization: `Bearer ${key}` } });
    const firstBytes = Buffer.from(await first.arrayBuffer());
    const [stored] = await h.sql`SELECT merged_delivery_count, merged_pdf FROM print_batches WHERE id = ${batch.id}`;
    expect(stored.merged_delivery_count).toBe(2);
    expect(Buffer.compare(stored.merged_pdf, firstBytes)).toBe(0);
    // Served from the stored merge: a marker written into it comes back as it is.
    const marked = Buffer.concat([firstBytes, Buffer.from('\n%stored\n')]);
    await h.sql`UPDATE print_batches SET merged_pdf = ${marked} WHERE id = ${batch.id}`;
    const second = await h.app.request(`/v1/print-batches/${batch.id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(Buffer.compare(Buffer.from(await second.arrayBuffer()), marked)).toBe(0);
  });
});
