// The send preview answers what the send then does: for every request-time refusal, each choice,
// the fallback, the central-print limit, Kivra's user check, Autogiro mandates and suppressed
// addresses, and a method asked for in the request. It changes no row, and asks Kivra once per preview, not per invoice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { history } from './helpers/fixtures.js';
import { startKivraStandIn } from './helpers/kivra-stand-in.js';
import { luhnCheckDigit } from '../domain/ocr.js';

const TENANT_KEY = '13443459078e31ba8630e2e9842906c7baf38b131e';
const USER = '19121212-1212'; // a Kivra user
const NOT_USER = '19770103-2380'; // a valid number, not a Kivra user

let kivra: Awaited<ReturnType<typeof startKivraStandIn>>;
let h: Harness;
let key: string;
let f: TestService['f'];

beforeAll(async () => {
  kivra = await startKivraStandIn({ clientId: 'kivra-client', clientSecret: 'kivra-secret', tenantKey: TENANT_KEY, users: ['191212121212'] });
});
afterAll(() => kivra.close());
useTestService((s) => ({ h, key, f } = s), () => ({ kivraApiUrl: kivra.url }));

type Kind = 'invoice' | 'reminder';
const PATHS: Record<Kind, { send: string; preview: string }> = {
  invoice: { send: '/v1/invoices/send', preview: '/v1/invoices/send-preview' },
  reminder: { send: '/v1/invoices/send-reminders', preview: '/v1/invoices/send-reminders-preview' },
};

/** A sent invoice, overdue: a reminder may be sent for it. */
async function makeOverdue(id: string) {
  await h.sql`UPDATE invoices SET status = 'sent', issue_date = '2020-01-01', due_date = '2020-01-31' WHERE id = ${id}`;
}

async function mandate(companyId: string, personId: string, status: 'active' | 'inactive') {
  const res = await h.request('POST', `/v1/companies/${companyId}/autogiro-mandates`, { key, body: { personId, payerNumber: '1234567890', status } });
  expect(res.status).toBe(201);
}

/** The address on the company's suppression list, as a permanent bounce of an earlier invoice leaves it (test/suppressions.test.ts). */
async function suppress(companyId: string, email: string) {
  await h.sql`
    INSERT INTO email_suppressions (tenant_id, company_id, email, reason, invoice_id, workflow_id)
    SELECT tenant_id, id, ${email}, '550 5.1.1 User unknown', NULL, NULL FROM companies WHERE id = ${companyId}`;
}

interface Case {
  name: string;
  kind?: Kind;
  method?: string;
  /** Makes the data and returns the invoice id to preview and send. */
  setup: () => Promise<string>;
  expect: { method: string; choice: string; passedOver?: string[]; warnings?: string[] } | { code: string };
}

const allActive = ['email', 'central_print', 'own_printer', 'autogiro', 'e_invoice', 'kivra'];
const cases: Case[] = [
  // every request-time refusal
  { name: 'unknown invoice: not_found', setup: async () => 'inv_does_not_exist', expect: { code: 'not_found' } },
  {
    name: 'paid invoice: invalid_status',
    setup: async () => {
      const inv = await f.invoice(await f.company({ activeMethods: ['email'], defaultMethod: 'email' }), await f.person());
      await h.sql`UPDATE invoices SET status = 'paid' WHERE id = ${inv.id}`;
      return inv.id;
    },
    expect: { code: 'invalid_status' },
  },
  {
    name: 'company with no active method: no_active_method',
    setup: async () => (await f.invoice(await f.company({ activeMethods: [], defaultMethod: null }), await f.person())).id,
    expect: { code: 'no_active_method' },
  },
  {
    name: 'reminder while reminders are off: reminders_disabled', kind: 'reminder',
    setup: async () => {
      const inv = await f.invoice(await f.company({ activeMethods: ['email'], defaultMethod: 'email' }), await f.person());
      await makeOverdue(inv.id);
      return inv.id;
    },
    expect: { code: 'reminders_disabled' },
  },
  {
    name: 'reminder before the due date: not_overdue', kind: 'reminder',
    setup: async () => {
      const inv = await f.invoice(await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true }), await f.person(), { dueDate: '2099-12-31' });
      await h.sql`UPDATE invoices SET status = 'sent' WHERE id = ${inv.id}`;
      return inv.id;
    },
    expect: { code: 'not_overdue' },
  },
  {
    name: 'reminder of an unsent invoice: invalid_status', kind: 'reminder',
    setup: async () => (await f.invoice(await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true }), await f.person())).id,
    expect: { code: 'invalid_status' },
  },
  // each choice
  {
    name: "the customer's choice",
    setup: async () => (await f.invoice(await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'email' }), await f.person({ distributionMethod: 'own_printer' }))).id,
    expect: { method: 'own_printer', choice: 'customer' },
  },
  {
    name: "the organisation's choice (e-invoice)",
    setup: async () => {
      const companyId = await f.company({ activeMethods: ['email', 'e_invoice'], defaultMethod: 'email', linkInvoiceToOrganization: true });
      const orgId = await f.organization({ peppolId: '0007:5567321707', distributionMethod: 'e_invoice' });
      return (await f.invoice(companyId, await f.person({ organizationId: orgId }))).id;
    },
    expect: { method: 'e_invoice', choice: 'organization' },
  },
  {
    name: "the company's default",
    setup: async () => (await f.invoice(await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'email', fallbackMethod: 'own_printer' }), await f.person())).id,
    expect: { method: 'email', choice: 'company_default' },
  },
  {
    name: 'the fallback, with why the default was passed over',
    setup: async () => (await f.invoice(await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'email', fallbackMethod: 'own_printer' }), await f.person({ email: null }))).id,
    expect: { method: 'own_printer', choice: 'fallback', passedOver: ['no_email'], warnings: ['not_first_choice'] },
  },
  {
    name: 'central print limit reached: the fallback',
    setup: async () => {
      const inv = await f.invoice(await f.company({ activeMethods: ['central_print', 'email'], defaultMethod: 'central_print', fallbackMethod: 'email' }), await f.person());
      await h.sql`UPDATE invoices SET central_print_count = 3 WHERE id = ${inv.id}`;
      return inv.id;
    },
    expect: { method: 'email', choice: 'fallback', passedOver: ['print_limit'], warnings: ['not_first_choice'] },
  },
  {
    name: 'central print used twice already: goes, with a warning',
    setup: async () => {
      const inv = await f.invoice(await f.company({ activeMethods: ['central_print', 'email'], defaultMethod: 'central_print', fallbackMethod: 'email' }), await f.person());
      await h.sql`UPDATE invoices SET central_print_count = 2 WHERE id = ${inv.id}`;
      return inv.id;
    },
    expect: { method: 'central_print', choice: 'company_default', warnings: ['central_print_used'] },
  },
  {
    name: 'Kivra user: Kivra',
    setup: async () => (await f.invoice(await f.company({ activeMethods: ['kivra', 'email'], defaultMethod: 'kivra', fallbackMethod: 'email' }, { kivraTenantKey: TENANT_KEY }), await f.person({ personalIdentityNumber: USER }))).id,
    expect: { method: 'kivra', choice: 'company_default' },
  },
  {
    name: 'Kivra non-user: the fallback',
    setup: async () => (await f.invoice(await f.company({ activeMethods: ['kivra', 'email'], defaultMethod: 'kivra', fallbackMethod: 'email' }, { kivraTenantKey: TENANT_KEY }), await f.person({ personalIdentityNumber: NOT_USER }))).id,
    expect: { method: 'email', choice: 'fallback', passedOver: ['not_kivra_user'], warnings: ['not_first_choice'] },
  },
  {
    name: 'inactive Autogiro mandate: the fallback',
    setup: async () => {
      const companyId = await f.company({ activeMethods: ['autogiro', 'email'], defaultMethod: 'autogiro', fallbackMethod: 'email' }, { autogiroCustomerNumber: '123456' });
      const personId = await f.person();
      await mandate(companyId, personId, 'inactive');
      return (await f.invoice(companyId, personId)).id;
    },
    expect: { method: 'email', choice: 'fallback', passedOver: ['no_mandate'], warnings: ['not_first_choice'] },
  },
  {
    name: 'active Autogiro mandate: Autogiro',
    setup: async () => {
      const companyId = await f.company({ activeMethods: ['autogiro', 'email'], defaultMethod: 'autogiro', fallbackMethod: 'email' }, { autogiroCustomerNumber: '123456' });
      const personId = await f.person();
      await mandate(companyId, personId, 'active');
      return (await f.invoice(companyId, personId)).id;
    },
    expect: { method: 'autogiro', choice: 'company_default' },
  },
  {
    name: 'suppressed address: e-mail passed over, the fallback at once',
    setup: async () => {
      const companyId = await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'email', fallbackMethod: 'own_printer' });
      await suppress(companyId, 'bounced@example.com');
      return (await f.invoice(companyId, await f.person({ email: 'Bounced@example.com', distributionMethod: 'email' }))).id;
    },
    expect: { method: 'own_printer', choice: 'fallback', passedOver: ['email_suppressed'], warnings: ['not_first_choice'] },
  },
  {
    name: 'suppressed address and no fallback: no_eligible_method',
    setup: async () => {
      const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
      await suppress(companyId, 'bounced@example.com');
      return (await f.invoice(companyId, await f.person({ email: 'bounced@example.com' }))).id;
    },
    expect: { code: 'no_eligible_method' },
  },
  {
    name: 'the invoice e-mail changed from a suppressed address: e-mail again',
    setup: async () => {
      const companyId = await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'email', fallbackMethod: 'own_printer' });
      await suppress(companyId, 'bounced@example.com');
      const inv = await f.invoice(companyId, await f.person({ email: 'bounced@example.com' }));
      expect((await h.request('PATCH', `/v1/invoices/${inv.id}`, { key, body: { email: 'new@example.com' } })).status).toBe(200);
      return inv.id;
    },
    expect: { method: 'email', choice: 'company_default' },
  },
  {
    name: 'e-mail asked for to a suppressed address: method_not_eligible', method: 'email',
    setup: async () => {
      const companyId = await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'own_printer' });
      await suppress(companyId, 'bounced@example.com');
      return (await f.invoice(companyId, await f.person({ email: 'bounced@example.com' }))).id;
    },
    expect: { code: 'method_not_eligible' },
  },
  {
    name: 'nothing eligible: accepted by the request, failed by the planning step (no_eligible_method)',
    setup: async () => {
      const inv = await f.invoice(await f.company({ activeMethods: ['central_print'], defaultMethod: 'central_print' }), await f.person());
      await h.sql`UPDATE invoices SET central_print_count = 3 WHERE id = ${inv.id}`;
      return inv.id;
    },
    expect: { code: 'no_eligible_method' },
  },
  // a method asked for in the request
  {
    name: 'requested method eligible: used instead of the customer\'s', method: 'own_printer',
    setup: async () => (await f.invoice(await f.company({ activeMethods: allActive.slice(0, 3), defaultMethod: 'email' }), await f.person({ distributionMethod: 'email' }))).id,
    expect: { method: 'own_printer', choice: 'requested' },
  },
  {
    name: 'requested method not active: method_not_eligible', method: 'central_print',
    setup: async () => (await f.invoice(await f.company({ activeMethods: ['email'], defaultMethod: 'email' }), await f.person())).id,
    expect: { code: 'method_not_eligible' },
  },
  {
    name: 'requested method at its limit: method_not_eligible (no fallback for a deliberate choice)', method: 'central_print',
    setup: async () => {
      const inv = await f.invoice(await f.company({ activeMethods: ['central_print', 'email'], defaultMethod: 'email', fallbackMethod: 'central_print' }), await f.person());
      await h.sql`UPDATE invoices SET central_print_count = 3 WHERE id = ${inv.id}`;
      return inv.id;
    },
    expect: { code: 'method_not_eligible' },
  },
  {
    name: 'requested Kivra for a non-user: method_not_eligible', method: 'kivra',
    setup: async () => (await f.invoice(await f.company({ activeMethods: ['kivra', 'email'], defaultMethod: 'email' }, { kivraTenantKey: TENANT_KEY }), await f.person({ personalIdentityNumber: NOT_USER }))).id,
    expect: { code: 'method_not_eligible' },
  },
  {
    name: 'reminder by the default method', kind: 'reminder',
    setup: async () => {
      const inv = await f.invoice(await f.company({ activeMethods: ['email'], defaultMethod: 'email', reminderDistribution: true }), await f.person());
      await makeOverdue(inv.id);
      return inv.id;
    },
    expect: { method: 'email', choice: 'company_default' },
  },
  {
    name: 'reminder by a method that cannot remind, asked for: method_not_eligible', kind: 'reminder', method: 'e_invoice',
    setup: async () => {
      const inv = await f.invoice(await f.company({ activeMethods: ['email', 'e_invoice'], defaultMethod: 'email', reminderDistribution: true }), await f.person());
      await makeOverdue(inv.id);
      return inv.id;
    },
    expect: { code: 'method_not_eligible' },
  },
];

describe('the preview says what the send does', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const kind = c.kind ?? 'invoice';
      const id = await c.setup();
      const body = { invoiceIds: [id], ...(c.method ? { method: c.method } : {}) };

      const preview = await h.request('POST', PATHS[kind].preview, { key, body });
      expect(preview.status, preview.text).toBe(200);
      const item = preview.json.items[0];
      if ('code' in c.expect) {
        expect(item, JSON.stringify(item)).toMatchObject({ invoiceId: id, accepted: false, error: { code: c.expect.code } });
        expect(item.error.message).toMatch(/\w/);
      } else {
        expect(item, JSON.stringify(item)).toMatchObject({ invoiceId: id, accepted: true, method: c.expect.method, choice: c.expect.choice });
        expect(item.passedOver.map((p: { code: string }) => p.code)).toEqual(c.expect.passedOver ?? []);
        expect(item.warnings.map((w: { code: string }) => w.code)).toEqual(c.expect.warnings ?? []);
      }

      // The send, on the same data.
      const sent = await h.request('POST', PATHS[kind].send, { key, body });
      expect(sent.status, sent.text).toBe(202);
      const result = sent.json.results[0];
      if (!item.accepted && item.error.code !== 'no_eligible_method') {
        expect(result).toEqual({ invoiceId: id, accepted: false, error: item.error });
        return;
      }
      expect(result.accepted, JSON.stringify(result)).toBe(true);
      await h.client.workflow.getHandle(result.workflowId).result().catch(() => undefined);
      const last = (await history(h, id)).at(-1)!;
      if (item.accepted) {
        expect(last.type, last.message).toBe(kind === 'reminder' ? 'reminder_sent' : 'sent');
        expect(last.method).toBe(item.method);
        expect(last.recipient).toBe(item.recipient);
        if (c.method) {
          const requested = (await history(h, id)).find((e) => e.type === 'send_requested')!;
          expect(requested.message).toContain('chosen for this send instead of the customer');
          expect(last.message).toContain('chosen in the send request');
        }
      } else {
        expect(last.type).toMatch(/failed$/);
        expect(last.error).toBe('no_eligible_method');
      }
    });
  }
});

/** A valid personal identity number per serial: 1980-01-01, birth number `serial`, Luhn check digit. */
function pin(serial: number): string {
  const nine = `800101${String(serial).padStart(3, '0')}`;
  return `19800101-${nine.slice(6)}${luhnCheckDigit(nine)}`;
}

describe('the preview', () => {
  it('changes no row of the tenant, whatever it is asked', async () => {
    const companyId = await f.company({ activeMethods: ['email', 'central_print', 'kivra'], defaultMethod: 'central_print', fallbackMethod: 'email', reminderDistribution: true }, { kivraTenantKey: TENANT_KEY });
    const ids = [
      (await f.invoice(companyId, await f.person())).id,
      (await f.invoice(companyId, await f.person({ distributionMethod: 'kivra', personalIdentityNumber: NOT_USER }))).id,
      (await f.invoice(companyId, await f.person({ email: null }))).id,
    ];
    await makeOverdue(ids[2]);
    await h.sql`UPDATE invoices SET central_print_count = 3 WHERE id = ${ids[0]}`;
    const bodies = [
      { path: PATHS.invoice.preview, body: { invoiceIds: [...ids, 'inv_nope'] } },
      { path: PATHS.invoice.preview, body: { invoiceIds: ids, method: 'central_print' } },
      { path: PATHS.reminder.preview, body: { invoiceIds: ids } },
      { path: PATHS.reminder.preview, body: { invoiceIds: ids, method: 'email' } },
    ];

    const [tenant] = await h.sql`SELECT tenant_id FROM companies WHERE id = ${companyId}`;
    const tables = (await h.sql`
      SELECT table_name FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name = 'tenant_id' AND table_name <> 'idempotency_keys'
      ORDER BY table_name`).map((r) => r.table_name as string);
    expect(tables).toEqual(expect.arrayContaining(['invoices', 'invoice_history', 'send_runs', 'send_run_items', 'events', 'deliveries']));
    const dump = async () => {
      const out: Record<string, string[]> = {};
      for (const t of tables) {
        const rows = await h.sql`SELECT to_jsonb(x)::text AS row FROM ${h.sql(t)} x WHERE tenant_id = ${tenant.tenant_id}`;
        out[t] = rows.map((r) => r.row as string).sort();
      }
      return out;
    };
    const before = await dump();
    expect(before.invoices.length).toBeGreaterThanOrEqual(3);
    for (const b of bodies) {
      const res = await h.request('POST', b.path, { key, body: b.body });
      expect(res.status, res.text).toBe(200);
      expect(res.json.items.length).toBe(b.body.invoiceIds.length);
    }
    expect(await dump()).toEqual(before);
  });

  it('sums up by method, counts letters and estimates postage from the company setting', async () => {
    const companyId = await f.company({ activeMethods: ['email', 'central_print', 'own_printer'], defaultMethod: 'central_print', fallbackMethod: 'own_printer' });
    const settings = await h.request('GET', `/v1/companies/${companyId}/distribution-settings`, { key });
    expect(settings.json.postagePerLetter).toBeNull();
    const used = await f.invoice(companyId, await f.person());
    await h.sql`UPDATE invoices SET central_print_count = 2 WHERE id = ${used.id}`;
    const ids = [
      (await f.invoice(companyId, await f.person())).id, // central print
      used.id, // central print, with a warning
      (await f.invoice(companyId, await f.person({ distributionMethod: 'email' }))).id, // e-mail
      (await f.invoice(companyId, await f.person({ address: { street: 'Sveavägen 10', postalCode: '99', city: 'Stockholm', country: 'SE' } }))).id, // own printer: fallback
      'inv_nope',
    ];
    const preview = async () => {
      const res = await h.request('POST', PATHS.invoice.preview, { key, body: { invoiceIds: ids } });
      expect(res.status, res.text).toBe(200);
      return res.json;
    };

    const unset = await preview();
    expect(unset.items.map((i: { invoiceId: string }) => i.invoiceId)).toEqual(ids);
    expect(unset.summary).toEqual({
      total: 5, accepted: 4, refused: 1,
      byMethod: { central_print: 2, email: 1, own_printer: 1 },
      letters: 3, estimatedPostage: null, warnings: 2,
    });

    const put = async (postagePerLetter: unknown) =>
      h.request('PUT', `/v1/companies/${companyId}/distribution-settings`, {
        key,
        body: { activeMethods: ['email', 'central_print', 'own_printer'], defaultMethod: 'central_print', fallbackMethod: 'own_printer', reminderDistribution: false, undoWindowSeconds: 0, linkInvoiceToOrganization: false, ...(postagePerLetter === undefined ? {} : { postagePerLetter }) },
      });
    expect((await put(1250)).json.postagePerLetter).toBe(1250);
    expect((await preview()).summary.estimatedPostage).toBe(3 * 1250);
    // Left out: kept; null: cleared; nonsense: 422 and nothing changed.
    expect((await put(undefined)).json.postagePerLetter).toBe(1250);
    for (const bad of [-1, 12.5, '1250', 10_000_000]) {
      const res = await put(bad);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await h.request('GET', `/v1/companies/${companyId}/distribution-settings`, { key })).json.postagePerLetter).toBe(1250);
    expect((await put(null)).json.postagePerLetter).toBeNull();
    expect((await preview()).summary.estimatedPostage).toBeNull();
  });

  it('asks Kivra about many customers in one user match, not once per invoice', async () => {
    const companyId = await f.company({ activeMethods: ['kivra', 'email'], defaultMethod: 'kivra', fallbackMethod: 'email' }, { kivraTenantKey: TENANT_KEY });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const p = pin(100 + i);
      if (i % 2 === 0) kivra.state.users.add(p.replace('-', ''));
      ids.push((await f.invoice(companyId, await f.person({ personalIdentityNumber: p }))).id);
    }
    const matchesBefore = kivra.requests.filter((r) => r.path.includes('usermatch')).length;
    const res = await h.request('POST', PATHS.invoice.preview, { key, body: { invoiceIds: ids } });
    expect(res.status, res.text).toBe(200);
    expect(kivra.requests.filter((r) => r.path.includes('usermatch')).length - matchesBefore).toBe(1);
    expect(res.json.summary.byMethod).toEqual({ kivra: 6, email: 6 });
    expect(kivra.state.schemaErrors).toEqual([]);
  });

  it('answers bad input with a problem and a 4xx', async () => {
    for (const body of [{}, { invoiceIds: [] }, { invoiceIds: ['x'], method: 'pigeon' }, { invoiceIds: ['x'], extra: 1 }, { invoiceIds: ['x'], templateId: 'tpl_nope' }]) {
      const res = await h.request('POST', PATHS.invoice.preview, { key, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await h.request('POST', PATHS.invoice.preview, { body: { invoiceIds: ['x'] } })).status).toBe(401);
  });
});
