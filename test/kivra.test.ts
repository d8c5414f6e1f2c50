import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { createHarness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { fixtures, history } from './helpers/fixtures.js';
import { startKivraStandIn } from './helpers/kivra-stand-in.js';

const TENANT_KEY = '13443459078e31ba8630e2e9842906c7baf38b131e';
const USER = '191212121212'; // a Kivra user
const NOT_USER = '197701032380'; // a valid number, not a Kivra user

let kivra: Awaited<ReturnType<typeof startKivraStandIn>>;
let h: Harness;
let key: string;
let f: TestService['f'];

beforeAll(async () => {
  kivra = await startKivraStandIn({ clientId: 'kivra-client', clientSecret: 'kivra-secret', tenantKey: TENANT_KEY, users: [USER] });
});
afterAll(() => kivra.close());
useTestService((s) => ({ h, key, f } = s), () => ({ kivraApiUrl: kivra.url }));

const row = async (id: string) => (await h.sql`SELECT * FROM invoices WHERE id = ${id}`)[0];
async function send(invoiceIds: string[], path = '/v1/invoices/send') {
  const res = await h.request('POST', path, { key, body: { invoiceIds } });
  expect(res.status).toBe(202);
  for (const r of res.json.results) if (r.accepted) await h.client.workflow.getHandle(r.workflowId).result().catch(() => undefined);
  return res.json.results as { invoiceId: string; accepted: boolean; workflowId: string }[];
}
const kivraCompany = (settings: Record<string, unknown> = {}) =>
  f.company({ activeMethods: ['kivra', 'email'], defaultMethod: 'kivra', fallbackMethod: 'email', ...settings }, { kivraTenantKey: TENANT_KEY });

describe('Kivra', () => {
  it('a Kivra user gets the invoice in the mailbox: the PDF with amount, OCR, due date and bankgiro, as the schema says', async () => {
    const companyId = await kivraCompany();
    const inv = await f.invoice(companyId, await f.person({ personalIdentityNumber: '19121212-1212' }));
    const before = kivra.delivered.length;
    const [r] = await send([inv.id]);

    const invoice = await row(inv.id);
    expect(invoice.status).toBe('sent');
    expect(kivra.delivered.length).toBe(before + 1);
    const { body, key: contentKey } = kivra.delivered.at(-1)!;
    expect(kivra.state.schemaErrors).toEqual([]);
    expect(body).toMatchObject({
      ssn: USER,
      subject: `Faktura ${inv.number}`,
      type: 'invoice',
      generated_at: '2026-11-01',
      payment_multiple_options: {
        payable: true, currency: 'SEK', method: '1', account: '5050-1055',
        options: [{ due_date: '2026-11-30', amount: '4301.44', type: 'SE_OCR', reference: inv.ocr }],
      },
    });
    // The PDF Kivra got is the document stored for this send, byte for byte.
    const [doc] = await h.sql`SELECT content FROM documents WHERE workflow_id = ${r.workflowId} AND kind = 'invoice_pdf'`;
    expect(body.parts).toEqual([{ name: `faktura-${inv.number}.pdf`, content_type: 'application/pdf', data: Buffer.from(doc.content).toString('base64') }]);
    // OAuth2 client credentials first, then the bearer token on the user match and the content.
    const auth = kivra.requests.find((q) => q.path === '/v1/auth')!;
    expect(auth.authorization).toBe(`Basic ${Buffer.from('kivra-client:kivra-secret').toString('base64')}`);
    expect(auth.body).toBe('grant_type=client_credentials');
    expect(kivra.requests.filter((q) => q.path === `/v2/tenant/${TENANT_KEY}/usermatch/ssn`).map((q) => JSON.parse(q.body))).toContainEqual({ list: [USER] });

    const last = (await history(h, inv.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'sent', method: 'kivra', recipient: 'personal identity number 19121212-****' });
    expect(last.message).toBe('Invoice sent by Kivra to personal identity number 19121212-****.');
    const [delivery] = await h.sql`SELECT external_id FROM deliveries WHERE workflow_id = ${r.workflowId}`;
    expect(delivery.external_id).toBe(contentKey);
  });

  it('not a Kivra user, or no personal identity number: the next method, with the reason', async () => {
    const companyId = await kivraCompany();
    const notUser = await f.invoice(companyId, await f.person({ personalIdentityNumber: NOT_USER, email: 'inte.kivra@example.com' }));
    const noNumber = await f.invoice(companyId, await f.person({ email: 'utan.nummer@example.com' }));
    const before = kivra.delivered.length;
    await send([notUser.id, noNumber.id]);
    expect(kivra.delivered.length).toBe(before);

    const a = (await history(h, notUser.id)).at(-1)!;
    expect(a).toMatchObject({ type: 'sent', method: 'email', recipient: 'inte.kivra@example.com' });
    expect(a.message).toContain("Kivra (the company's default method): the customer is not a Kivra user, or has turned off mail from the company");
    const b = (await history(h, noNumber.id)).at(-1)!;
    expect(b).toMatchObject({ type: 'sent', method: 'email' });
    expect(b.message).toContain('the customer has no personal identity number');
  });

  it('a connection lost after Kivra took the content: the retry sends the same payload and Kivra delivers it once; an expired token is renewed', async () => {
    const companyId = await kivraCompany();
    const inv = await f.invoice(companyId, await f.person({ personalIdentityNumber: USER }));
    kivra.expireTokens();
    kivra.state.failAfterAccepting = 1;
    const before = kivra.delivered.length;
    const contentPosts = () => kivra.requests.filter((q) => q.path === `/v2/tenant/${TENANT_KEY}/content`);
    const postsBefore = contentPosts().length;
    await send([inv.id]);

    expect((await row(inv.id)).status).toBe('sent');
    // The expired token refused (401) and renewed; Kivra took the content but the answer was lost (503); the retry.
    expect(contentPosts().slice(postsBefore).map((q) => q.status)).toEqual([401, 503, 201]);
    const [, lost, retried] = contentPosts().slice(postsBefore);
    expect(retried.body).toBe(lost.body);
    expect(kivra.delivered.length).toBe(before + 1);
    expect(kivra.delivered.at(-1)!.body.payment_multiple_options.options[0].reference).toBe(inv.ocr);
    expect((await history(h, inv.id)).filter((e) => e.type === 'sent')).toHaveLength(1);
  });

  it("Kivra's refusal fails the send in Kivra's words and restores the invoice", async () => {
    const companyId = await kivraCompany({ fallbackMethod: null, activeMethods: ['kivra'] });
    const inv = await f.invoice(companyId, await f.person({ personalIdentityNumber: USER }));
    kivra.state.refuse = { status: 400, code: 40044, short_message: 'Invalid OCR', long_message: 'The OCR did not pass validation' };
    await send([inv.id]);
    expect((await row(inv.id)).status).toBe('unsent');
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'send_failed', error: 'delivery_rejected' });
    expect(last.message).toBe('The invoice could not be sent: Kivra refused the invoice (HTTP 400: 40044 Invalid OCR The OCR did not pass validation). The invoice is back to status "unsent".');
  });

  it('reminders keep their own methods: a Kivra customer is reminded by e-mail, and the history says why', async () => {
    const companyId = await f.company(
      { activeMethods: ['kivra', 'email'], defaultMethod: 'email', reminderDistribution: true },
      { kivraTenantKey: TENANT_KEY },
    );
    const inv = await f.invoice(companyId, await f.person({ personalIdentityNumber: USER, distributionMethod: 'kivra', email: 'paminn@example.com' }), { issueDate: '2026-09-01', dueDate: '2026-10-01' });
    await h.sql`UPDATE invoices SET status = 'sent' WHERE id = ${inv.id}`;
    await send([inv.id], '/v1/invoices/send-reminders');
    const last = (await history(h, inv.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'reminder_sent', method: 'email', recipient: 'paminn@example.com' });
    expect(last.message).toContain("Kivra (the customer's chosen method): Kivra cannot carry payment reminders");
  });

  it('the delivery plan names Kivra, and an organisation is not sent by Kivra', async () => {
    const companyId = await kivraCompany();
    const inv = await f.invoice(companyId, await f.person({ personalIdentityNumber: USER }));
    const plan = await h.request('GET', `/v1/invoices/${inv.id}/delivery-plan`, { key });
    expect(plan.json).toMatchObject({ ok: true, method: 'kivra', recipient: 'personal identity number 19121212-****' });

    const linked = await kivraCompany({ linkInvoiceToOrganization: true });
    const orgId = await f.organization({ invoiceEmail: 'ekonomi@bygg.example' });
    const orgInvoice = await f.invoice(linked, await f.person({ personalIdentityNumber: USER, organizationId: orgId }), { organizationId: orgId });
    const orgPlan = await h.request('GET', `/v1/invoices/${orgInvoice.id}/delivery-plan`, { key });
    expect(orgPlan.json.method).toBe('email');
    expect(orgPlan.json.rejected).toContainEqual(expect.objectContaining({ method: 'kivra', reason: 'Kivra is used for private persons only' }));
  });
});

describe('Kivra settings and numbers through the API', () => {
  it('refuses a bad personal identity number or tenant key, stores the 12-digit form, and PATCH sets the key', async () => {
    const bad = await h.request('POST', '/v1/persons', { key, body: { name: 'Fel Nummer', personalIdentityNumber: '191212121213' } });
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([{ path: 'personalIdentityNumber', message: 'must be a Swedish personal identity number of 12 digits (YYYYMMDDNNNN) with a valid check digit' }]);
    const persons = await h.sql`SELECT count(*)::int AS n FROM persons WHERE name = 'Fel Nummer'`;
    expect(persons[0].n).toBe(0);

    const ok = await h.request('POST', '/v1/persons', { key, body: { name: 'Rätt Nummer', personalIdentityNumber: '19121212-1212' } });
    expect(ok.status).toBe(201);
    expect(ok.json.personalIdentityNumber).toBe(USER);
    const [stored] = await h.sql`SELECT personal_identity_number FROM persons WHERE id = ${ok.json.id}`;
    expect(stored.personal_identity_number).toBe(USER);

    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const badKey = await h.request('PATCH', `/v1/companies/${companyId}`, { key, body: { kivraTenantKey: 'not hex!' } });
    expect(badKey.status).toBe(422);
    expect(badKey.json.errors[0]).toMatchObject({ path: 'kivraTenantKey' });
    const patched = await h.request('PATCH', `/v1/companies/${companyId}`, { key, body: { kivraTenantKey: TENANT_KEY } });
    expect(patched.status).toBe(200);
    expect(patched.json.kivraTenantKey).toBe(TENANT_KEY);
    expect((await h.sql`SELECT kivra_tenant_key FROM companies WHERE id = ${companyId}`)[0].kivra_tenant_key).toBe(TENANT_KEY);
  });
});

describe('Kivra without configuration', () => {
  it('writes the content Kivra would get to the outbox', async () => {
    const local = await createHarness();
    const worker = await local.startWorker();
    try {
      const localKey = await local.createTenant();
      const lf = fixtures(local, localKey);
      const companyId = await lf.company({ activeMethods: ['kivra'], defaultMethod: 'kivra' }, { kivraTenantKey: TENANT_KEY });
      const inv = await lf.invoice(companyId, await lf.person({ personalIdentityNumber: NOT_USER }));
      const res = await local.request('POST', '/v1/invoices/send', { key: localKey, body: { invoiceIds: [inv.id] } });
      const { workflowId } = res.json.results[0];
      await local.client.workflow.getHandle(workflowId).result();
      const dir = path.join(local.outboxDir, 'kivra');
      expect(await readdir(dir)).toEqual([`${workflowId}.json`]);
      const written = JSON.parse(await readFile(path.join(dir, `${workflowId}.json`), 'utf8'));
      expect(written).toMatchObject({ tenantKey: TENANT_KEY, content: { ssn: NOT_USER, type: 'invoice', payment_multiple_options: { options: [{ reference: inv.ocr, amount: '4301.44' }] } } });
      expect((await history(local, inv.id)).at(-1)).toMatchObject({ type: 'sent', method: 'kivra' });
    } finally {
      await worker.stop();
      await local.close();
    }
  });
});
