import { describe, expect, it } from 'vitest';
import { resolveDelivery, type DeliveryFacts, type KivraFacts } from '../domain/resolve-delivery.js';
import { priorityEmail, priorityPostal, recipientParties, type Party } from '../domain/recipient.js';

const postal = { name: 'Åsa Öberg', attention: null, address: { street: 'Sveavägen 10', postalCode: '113 50', city: 'Stockholm', country: 'SE' } };

const base: DeliveryFacts = {
  kind: 'invoice',
  activeMethods: ['email', 'own_printer'],
  defaultMethod: 'email',
  fallbackMethod: 'own_printer',
  customerMethod: null,
  customerIsOrganization: false,
  invoiceEmail: 'asa@example.com',
  postal,
  centralPrintCount: 0,
  peppolId: null,
  companyHasOrgAndVatNumber: true,
  autogiroPayerNumber: null,
  companyHasAutogiroSetup: true,
  totalAmount: 430144,
};

describe('method resolution (SPEC §6): customer → default → fallback', () => {
  const cases: { name: string; facts: Partial<DeliveryFacts>; method: string | null; choice?: string; reasons: string[] }[] = [
    { name: "the customer's own method wins", facts: { customerMethod: 'own_printer' }, method: 'own_printer', choice: 'customer', reasons: [] },
    { name: 'no customer method → company default', facts: {}, method: 'email', choice: 'default', reasons: [] },
    {
      name: "customer's method inactive for the company → company default",
      facts: { customerMethod: 'central_print', defaultMethod: 'own_printer', fallbackMethod: null },
      method: 'own_printer', choice: 'default', reasons: ['central print is not active for the company'],
    },
    {
      name: 'missing e-mail → fallback',
      facts: { invoiceEmail: null },
      method: 'own_printer', choice: 'fallback', reasons: ['the invoice has no e-mail address'],
    },
    {
      name: 'invalid e-mail → fallback',
      facts: { invoiceEmail: 'not-an-address' },
      method: 'own_printer', choice: 'fallback', reasons: ['the invoice e-mail "not-an-address" is not a valid address'],
    },
    {
      name: 'no postal address → e-mail as fallback (the other way round)',
      facts: { defaultMethod: 'own_printer', fallbackMethod: 'email', postal: null },
      method: 'email', choice: 'fallback', reasons: ['the recipient has no postal address'],
    },
    {
      name: 'nothing eligible → every method tried and why',
      facts: { activeMethods: ['email'], fallbackMethod: null, invoiceEmail: null, customerMethod: 'own_printer' },
      method: null, reasons: ['own printer is not active for the company', 'the invoice has no e-mail address'],
    },
    {
      name: 'a method listed twice is tried once',
      facts: { customerMethod: 'email', invoiceEmail: null },
      method: 'own_printer', choice: 'fallback', reasons: ['the invoice has no e-mail address'],
    },
    {
      name: 'reminders skip methods that cannot carry them',
      facts: { kind: 'reminder', activeMethods: ['e_invoice', 'email'], customerMethod: 'e_invoice', customerIsOrganization: true, peppolId: '0007:5567321707' },
      method: 'email', choice: 'default', reasons: ['e-invoice (Pagero) cannot carry payment reminders'],
    },
    {
      name: 'central print needs a complete address',
      facts: { activeMethods: ['central_print', 'email'], defaultMethod: 'central_print', fallbackMethod: 'email', postal: { ...postal, address: { ...postal.address, postalCode: '1135' } } },
      method: 'email', choice: 'fallback', reasons: ['the postal code "1135" is not a Swedish five-digit postal code'],
    },
    {
      name: 'central print at most three times per invoice',
      facts: { activeMethods: ['central_print', 'email'], defaultMethod: 'central_print', fallbackMethod: 'email', centralPrintCount: 3 },
      method: 'email', choice: 'fallback', reasons: ['the invoice has already been sent by central print 3 times (at most 3)'],
    },
    {
      name: 'e-invoice needs an organisation with a PEPPOL id',
      facts: { activeMethods: ['e_invoice', 'email'], customerMethod: 'e_invoice', customerIsOrganization: true, peppolId: null },
      method: 'email', choice: 'default', reasons: ['the organisation has no PEPPOL id'],
    },
    {
      name: 'Autogiro needs an active mandate',
      facts: { activeMethods: ['autogiro', 'email'], customerMethod: 'autogiro' },
      method: 'email', choice: 'default', reasons: ['the payer has no active Autogiro mandate with the company'],
    },
    {
      name: 'Autogiro with a mandate draws the total',
      facts: { activeMethods: ['autogiro', 'email'], customerMethod: 'autogiro', autogiroPayerNumber: '198503120000', totalAmount: 999_999_999_999 },
      method: 'autogiro', choice: 'customer', reasons: [],
    },
    {
      name: 'Autogiro cannot draw a zero or negative total (a credit note) → next method',
      facts: { activeMethods: ['autogiro', 'email'], customerMethod: 'autogiro', autogiroPayerNumber: '198503120000', totalAmount: 0 },
      method: 'email', choice: 'default', reasons: ['the invoice total is not a positive amount, and Autogiro can only draw one'],
    },
    {
      name: "Autogiro cannot draw more than its 12-digit amount field holds → next method",
      facts: { activeMethods: ['autogiro', 'email'], customerMethod: 'autogiro', autogiroPayerNumber: '198503120000', totalAmount: 1_000_000_000_000 },
      method: 'email', choice: 'default', reasons: ['the invoice total is larger than an Autogiro withdrawal can be (12 digits of öre)'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resolveDelivery({ ...base, ...c.facts });
      expect(r.rejected.map((x) => x.reason)).toEqual(c.reasons);
      if (c.method === null) {
        expect(r.ok).toBe(false);
      } else {
        expect(r).toMatchObject({ ok: true, method: c.method, choice: c.choice });
      }
    });
  }
});

describe('Kivra eligibility', () => {
  const kivra: KivraFacts = { companyHasTenantKey: true, personalIdentityNumber: '191212121212', isUser: true, companyHasBankgiro: true };
  const facts = (k: Partial<KivraFacts>, more: Partial<DeliveryFacts> = {}): DeliveryFacts => ({
    ...base, activeMethods: ['kivra', 'email'], defaultMethod: 'kivra', fallbackMethod: 'email', kivra: { ...kivra, ...k }, ...more,
  });
  it.each([
    ['a Kivra user', facts({}), 'kivra', []],
    ['not asked yet (counts as a user)', facts({ isUser: null }), 'kivra', []],
    ['not a Kivra user', facts({ isUser: false }), 'email', ['the customer is not a Kivra user, or has turned off mail from the company']],
    ['no personal identity number', facts({ personalIdentityNumber: null }), 'email', ['the customer has no personal identity number']],
    ['no tenant key', facts({ companyHasTenantKey: false }), 'email', ['the company has no Kivra tenant key or no bankgiro']],
    ['no bankgiro', facts({ companyHasBankgiro: false }), 'email', ['the company has no Kivra tenant key or no bankgiro']],
    ['Kivra refused the question', facts({ lookupRefused: 'Kivra refused (HTTP 403)' }), 'email', ['Kivra could not be asked about the customer: Kivra refused (HTTP 403)']],
    ['an organisation', facts({}, { customerIsOrganization: true }), 'email', ['Kivra is used for private persons only']],
    ['a reminder', facts({}, { kind: 'reminder' }), 'email', ['Kivra cannot carry payment reminders']],
  ] as const)('%s → %s', (_name, f, method, reasons) => {
    const r = resolveDelivery(f);
    expect(r).toMatchObject({ ok: true, method });
    expect(r.rejected.map((x) => x.reason)).toEqual(reasons);
    if (method === 'kivra') expect(r.ok && r.recipient).toBe('personal identity number 19121212-****');
  });
});

describe('recipient priority', () => {
  const person: Party = { kind: 'person', name: 'Per Son', email: 'per@example.com', invoiceEmail: null, address: postal.address };
  const organization: Party = { kind: 'organization', name: 'Org AB', email: 'org@example.com', invoiceEmail: 'faktura@org.example', address: { ...postal.address, street: 'Orggatan 1' } };
  const reference: Party = { kind: 'invoice_reference', name: 'Ref Erens', email: 'ref@org.example', invoiceEmail: null, address: null };

  it('linked: reference → organisation → person; invoice e-mail before e-mail', () => {
    const parties = recipientParties({ linkToOrganization: true, person, organization, reference });
    expect(priorityEmail(parties)).toBe('ref@org.example');
    expect(priorityEmail(parties.filter((p) => p.kind !== 'invoice_reference'))).toBe('faktura@org.example');
    expect(priorityPostal(parties)).toMatchObject({ name: 'Org AB', attention: null, address: { street: 'Orggatan 1' } });
    const withRefAddress = recipientParties({ linkToOrganization: true, person, organization, reference: { ...reference, address: postal.address } });
    expect(priorityPostal(withRefAddress)).toMatchObject({ name: 'Org AB', attention: 'Ref Erens' });
  });
  it('not linked: the person only', () => {
    const parties = recipientParties({ linkToOrganization: false, person, organization, reference });
    expect(parties).toEqual([person]);
    expect(priorityEmail(parties)).toBe('per@example.com');
  });
});
