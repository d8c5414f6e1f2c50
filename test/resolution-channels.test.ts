import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { ADDRESS, history } from './helpers/fixtures.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

type Method = 'email' | 'central_print' | 'e_invoice' | 'autogiro' | 'own_printer';
interface Case {
  name: string;
  active: Method[];
  defaultMethod: Method;
  fallbackMethod?: Method;
  customerMethod?: Method;
  organization?: { peppolId?: string | null };
  person?: Record<string, unknown>;
  company?: Record<string, unknown>;
  mandate?: 'active' | 'inactive';
  centralPrintCount?: number;
  expect: { method: Method | null; reasons: string[] };
}

const ALL: Method[] = ['email', 'central_print', 'e_invoice', 'autogiro', 'own_printer'];
const cases: Case[] = [
  // every method as the customer's choice
  ...ALL.map((m): Case => ({
    name: `customer chooses ${m}`,
    active: ALL, defaultMethod: 'email', customerMethod: m,
    organization: m === 'e_invoice' ? { peppolId: '0007:5567321707' } : undefined,
    mandate: m === 'autogiro' ? 'active' : undefined,
    expect: { method: m, reasons: [] },
  })),
  // every method as the company default, with no customer choice
  ...ALL.map((m): Case => ({
    name: `company default ${m}`,
    active: ALL, defaultMethod: m,
    organization: m === 'e_invoice' ? { peppolId: '0007:5567321707' } : undefined,
    mandate: m === 'autogiro' ? 'active' : undefined,
    expect: { method: m, reasons: [] },
  })),
  // each eligibility rule failing in turn, the fallback (each method once) carrying it
  { name: 'central print: postal code not Swedish → fallback e-mail', active: ['central_print', 'email'], defaultMethod: 'central_print', fallbackMethod: 'email',
    person: { address: { ...ADDRESS, postalCode: '99' } }, expect: { method: 'email', reasons: ['the postal code "99" is not a Swedish five-digit postal code'] } },
  { name: 'central print: three times already → fallback own printer', active: ['central_print', 'own_printer'], defaultMethod: 'central_print', fallbackMethod: 'own_printer',
    centralPrintCount: 3, expect: { method: 'own_printer', reasons: ['already been sent by central print 3 times'] } },
  { name: 'e-invoice: a person, not an organisation → fallback central print', active: ['e_invoice', 'central_print'], defaultMethod: 'e_invoice', fallbackMethod: 'central_print',
    expect: { method: 'central_print', reasons: ['e-invoices go only to organisations'] } },
  { name: 'e-invoice: organisation without PEPPOL id → fallback autogiro', active: ['e_invoice', 'autogiro'], defaultMethod: 'e_invoice', fallbackMethod: 'autogiro',
    organization: { peppolId: null }, mandate: 'active', expect: { method: 'autogiro', reasons: ['the organisation has no PEPPOL id'] } },
  { name: 'e-invoice: company without VAT number → fallback own printer', active: ['e_invoice', 'own_printer'], defaultMethod: 'e_invoice', fallbackMethod: 'own_printer',
    organization: { peppolId: '0007:5567321707' }, company: { vatNumber: undefined }, expect: { method: 'own_printer', reasons: ['the company lacks an organisation number or VAT number'] } },
  { name: 'autogiro: no mandate → fallback e-invoice', active: ['autogiro', 'e_invoice'], defaultMethod: 'autogiro', fallbackMethod: 'e_invoice',
    organization: { peppolId: '0007:5567321707' }, expect: { method: 'e_invoice', reasons: ['the payer has no active Autogiro mandate with the company'] } },
  { name: 'autogiro: inactive mandate → fallback e-mail', active: ['autogiro', 'email'], defaultMethod: 'autogiro', fallbackMethod: 'email',
    mandate: 'inactive', expect: { method: 'email', reasons: ['the payer has no active Autogiro mandate with the company'] } },
  { name: 'autogiro: company without Autogiro customer number → fallback e-mail', active: ['autogiro', 'email'], defaultMethod: 'autogiro', fallbackMethod: 'email',
    mandate: 'active', company: { autogiroCustomerNumber: undefined }, expect: { method: 'email', reasons: ['the company has no Autogiro customer number or bankgiro'] } },
  { name: 'own printer: no postal address → fallback e-mail', active: ['own_printer', 'email'], defaultMethod: 'own_printer', fallbackMethod: 'email',
    person: { address: null }, expect: { method: 'email', reasons: ['the recipient has no postal address'] } },
  { name: 'e-mail: no address → fallback own printer', active: ['email', 'own_printer'], defaultMethod: 'email', fallbackMethod: 'own_printer',
    person: { email: null }, expect: { method: 'own_printer', reasons: ['the invoice has no e-mail address'] } },
  { name: 'customer method inactive, default ineligible, fallback carries it: both reasons', active: ['email', 'central_print'], defaultMethod: 'email', fallbackMethod: 'central_print',
    customerMethod: 'own_printer', person: { email: null }, expect: { method: 'central_print', reasons: ['own printer is not active for the company', 'the invoice has no e-mail address'] } },
  { name: 'nothing eligible: failed, restored, every reason named', active: ['central_print', 'autogiro'], defaultMethod: 'central_print', fallbackMethod: 'autogiro',
    centralPrintCount: 3, expect: { method: null, reasons: ['already been sent by central print 3 times', 'the payer has no active Autogiro mandate with the company'] } },
];

describe('resolution across every channel, through the workflow', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const companyExtra = { autogiroCustomerNumber: '123456', ...c.company };
      for (const k of Object.keys(companyExtra)) if ((companyExtra as Record<string, unknown>)[k] === undefined) delete (companyExtra as Record<string, unknown>)[k];
      const companyId = await f.company(
        { activeMethods: c.active, defaultMethod: c.defaultMethod, fallbackMethod: c.fallbackMethod ?? null, linkInvoiceToOrganization: Boolean(c.organization) },
        companyExtra,
      );
      if (c.company && 'vatNumber' in c.company) await h.sql`UPDATE companies SET vat_number = NULL WHERE id = ${companyId}`;
      const orgId = c.organization
        ? await f.organization({ peppolId: c.organization.peppolId ?? null, distributionMethod: c.customerMethod ?? null })
        : null;
      const personId = await f.person({ ...(orgId ? { organizationId: orgId } : { distributionMethod: c.customerMethod ?? null }), ...c.person });
      if (c.mandate) {
        const res = await h.request('POST', `/v1/companies/${companyId}/autogiro-mandates`, {
          key, body: { ...(orgId ? { organizationId: orgId } : { personId }), payerNumber: '1234567890', status: c.mandate },
        });
        expect(res.status).toBe(201);
      }
      const inv = await f.invoice(companyId, personId, { dueDate: '2099-12-31' });
      if (c.centralPrintCount) await h.sql`UPDATE invoices SET central_print_count = ${c.centralPrintCount} WHERE id = ${inv.id}`;

      const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
      expect(res.json.results[0].accepted).toBe(true);
      await h.client.workflow.getHandle(res.json.results[0].workflowId).result().catch(() => undefined);

      const last = (await history(h, inv.id)).at(-1)!;
      const [row] = await h.sql`SELECT status FROM invoices WHERE id = ${inv.id}`;
      if (c.expect.method) {
        expect(last.type, last.message).toBe('sent');
        expect(last.method).toBe(c.expect.method);
        expect(row.status).toBe('sent');
      } else {
        expect(last.type).toBe('send_failed');
        expect(row.status).toBe('unsent');
      }
      for (const reason of c.expect.reasons) expect(last.message).toContain(reason);
      if (c.expect.reasons.length === 0) expect(last.message).not.toContain('Not the first choice');
    });
  }
});
