// A facility's billing day as the soak plays it: customers of every channel, the invoices, and
// what clerks and integrators do while the run goes out (credits through the API and the back
// office, a Bankgirot file, a reminder run).
import pMap from 'p-map';
import type { Call } from './api-client.js';
import type { Random } from './seeded-random.js';
import { KIVRA, KIVRA_USER } from './receivers.js';
import { bgmaxFile } from '../test/helpers/bank-file-builder.js';

export type Method = 'email' | 'central_print' | 'e_invoice' | 'kivra' | 'autogiro' | 'own_printer';
const ALL_METHODS: Method[] = ['email', 'central_print', 'e_invoice', 'kivra', 'autogiro', 'own_printer'];

/** Kinds of customer, per 100 invoices, and the channel each one's invoice must go by. */
export const CUSTOMER_MIX = [
  { kind: 'email', per100: 80, expect: 'email' },
  { kind: 'central_print', per100: 5, expect: 'central_print' },
  { kind: 'e_invoice', per100: 4, expect: 'e_invoice' },
  { kind: 'kivra', per100: 4, expect: 'kivra' },
  { kind: 'autogiro', per100: 3, expect: 'autogiro' },
  { kind: 'own_printer', per100: 2, expect: 'own_printer' },
  // Chose e-invoice but is a person (e-invoices go only to organisations) and has no e-mail for the
  // company default: the fallback carries it.
  { kind: 'falls_back', per100: 2, expect: 'central_print' },
] as const;
export type CustomerKind = (typeof CUSTOMER_MIX)[number]['kind'];

export interface SoakInvoice {
  id: string;
  number: string;
  ocr: string;
  totalAmount: number;
  kind: CustomerKind;
  expect: Method;
}

const ADDRESS = { street: 'Sveavägen 10', postalCode: '113 50', city: 'Stockholm', country: 'SE' };
const LINES = [
  { description: 'Månadskort gym', quantity: 1, unitAmount: 49900, vatRate: 6 },
  { description: 'Handduk', quantity: 1, unitAmount: 2500, vatRate: 25 },
];

function expectStatus(res: { status: number; json: any }, status: number, what: string) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${JSON.stringify(res.json)}`);
  return res.json;
}

export async function seedBillingDay(o: { call: Call; adminToken: string; rnd: Random; invoices: number; windowSeconds: number; overdue: number; webhookUrl: string; onWebhookSecret: (secret: string) => void; log: (m: string) => void }) {
  const { call } = o;
  const tenant = expectStatus(await call('POST', '/admin/tenants', { token: o.adminToken, body: { name: 'Soak Friskvård' } }), 201, 'tenant');
  const token = tenant.apiKey as string;
  const post = async (p: string, body: unknown, what: string) => expectStatus(await call('POST', p, { token, body }), 201, what);
  // The integrator listens from the start: every event of the day must reach it.
  o.onWebhookSecret((await post('/v1/webhook-endpoints', { url: o.webhookUrl, events: ['*'], description: 'soak receiver' }, 'webhook endpoint')).secret);
  const company = async (name: string, settings: Record<string, unknown>) => {
    const c = await post('/v1/companies', {
      name, orgNumber: '556677-8899', vatNumber: 'SE556677889901', address: { street: 'Idrottsvägen 1', postalCode: '114 33', city: 'Stockholm', country: 'SE' },
      email: 'info@gym.example', bankgiro: '5050-1055', autogiroCustomerNumber: '123456', kivraTenantKey: KIVRA.tenantKey,
    }, 'company');
    expectStatus(await call('PUT', `/v1/companies/${c.id}/distribution-settings`, { token, body: { bounceFallback: true, combineEnvelopes: false, linkInvoiceToOrganization: true, reminderDistribution: true, ...settings } }), 200, 'settings');
    return c.id as string;
  };
  const companyId = await company('Friskvården Gym AB', { activeMethods: ALL_METHODS, defaultMethod: 'email', fallbackMethod: 'central_print', undoWindowSeconds: o.windowSeconds });
  // Last month's invoices, sent before the day starts and overdue now: the day's reminder run.
  const reminderCompanyId = await company('Friskvården Simhall AB', { activeMethods: ['email'], defaultMethod: 'email', fallbackMethod: null, undoWindowSeconds: 0 });

  // A few customers of each kind; many invoices each, as members with a monthly fee.
  const customers = new Map<CustomerKind, { personId: string; organizationId?: string }[]>();
  for (const { kind } of CUSTOMER_MIX) {
    const list: { personId: string; organizationId?: string }[] = [];
    for (let i = 0; i < (kind === 'email' ? 20 : 3); i++) {
      const email = `${kind.replace('_', '-')}-${i}@members.example`;
      if (kind === 'e_invoice') {
        const org = await post('/v1/organizations', { name: `Företag ${i} AB`, orgNumber: '556732-1707', email, address: ADDRESS, peppolId: '0007:5567321707', distributionMethod: 'e_invoice' }, 'organization');
        const person = await post('/v1/persons', { name: `Kontakt ${i}`, email, address: ADDRESS, organizationId: org.id }, 'person');
        list.push({ personId: person.id, organizationId: org.id });
        continue;
      }
      const method = kind === 'email' ? null : kind === 'falls_back' ? 'e_invoice' : kind;
      const person = await post('/v1/persons', {
        name: `Medlem ${kind} ${i}`, email: kind === 'falls_back' ? null : email, address: ADDRESS, distributionMethod: method,
        ...(kind === 'kivra' ? { personalIdentityNumber: KIVRA_USER } : {}),
      }, 'person');
      if (kind === 'autogiro') await post(`/v1/companies/${companyId}/autogiro-mandates`, { personId: person.id, payerNumber: String(5550000 + i), status: 'active' }, 'mandate');
      list.push({ personId: person.id });
    }
    customers.set(kind, list);
  }

  const kinds: CustomerKind[] = [];
  for (let i = 0; i < o.invoices; i++) {
    const slot = i % 100;
    let acc = 0;
    kinds.push(CUSTOMER_MIX.find((m) => slot < (acc += m.per100))!.kind);
  }
  const createInvoice = async (companyIdOf: string, number: string, kind: CustomerKind, dueDate: string, issueDate: string): Promise<SoakInvoice> => {
    const c = o.rnd.pick(customers.get(kind)!);
    const inv = await post('/v1/invoices', { companyId: companyIdOf, personId: c.personId, organizationId: c.organizationId, number, issueDate, dueDate, lines: LINES }, 'invoice');
    return { id: inv.id, number, ocr: inv.ocr, totalAmount: inv.totalAmount, kind, expect: CUSTOMER_MIX.find((m) => m.kind === kind)!.expect };
  };
  const started = Date.now();
  const invoices = await pMap(kinds.map((kind, i) => ({ kind, i })), ({ kind, i }) => createInvoice(companyId, `D-${i + 1}`, kind, '2026-12-31', '2026-12-01'), { concurrency: 8 });
  const overdue = await pMap(Array.from({ length: o.overdue }, (_, i) => i), (i) => createInvoice(reminderCompanyId, `N-${i + 1}`, 'email', '2026-11-20', '2026-10-21'), { concurrency: 8 });
  o.log(`seeded ${invoices.length} invoices and ${overdue.length} overdue ones in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { token, companyId, reminderCompanyId, invoices, overdue };
}
export type BillingDay = Awaited<ReturnType<typeof seedBillingDay>>;

/** A clerk's undo in the back office: signs in with the API key and presses the invoice's undo button. */
export function backOfficeClerk(base: () => string, apiKey: string) {
  let cookie: string | null = null;
  let csrf: string | null = null;
  const hidden = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;
  const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]);
  async function signIn() {
    const form = await fetch(`${base()}/app/sign-in`);
    const signInCookie = cookiesOf(form).join('; ');
    const res = await fetch(`${base()}/app/sign-in`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie: signInCookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ apiKey, _csrf: hidden(await form.text()) ?? '' }),
    });
    if (res.status !== 303) throw new Error(`back-office sign-in answered ${res.status}`);
    cookie = cookiesOf(res).find((c) => c.startsWith('bo_session='))!;
    csrf = hidden(await (await fetch(`${base()}/app/invoices`, { headers: { cookie } })).text());
  }
  /** Presses undo; the status of the answer (303 done, 409 already credited or paid). */
  return async function credit(invoiceId: string): Promise<number> {
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        if (!cookie || !csrf) await signIn();
        const res = await fetch(`${base()}/app/invoices/${invoiceId}/credit`, {
          method: 'POST', redirect: 'manual',
          headers: { cookie: cookie!, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: csrf!, back: `/app/invoices/${invoiceId}` }),
        });
        await res.text();
        if (res.status < 500) return res.status;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        cookie = null;
      }
      if (Date.now() > deadline) throw new Error(`the back office did not credit ${invoiceId}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
}

/** A Bankgirot BgMax file paying these invoices in full by their OCR numbers. */
export function paymentFileFor(invoices: SoakInvoice[], writtenAt: string): string {
  return bgmaxFile({ writtenAt, deposits: [{ date: '2026-12-06', payments: invoices.map((i) => ({ reference: i.ocr, amount: i.totalAmount })) }] });
}
