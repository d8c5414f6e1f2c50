import { describe, expect, it } from 'vitest';
import { buildPeppolInvoice, type EInvoiceData } from '../documents/peppol-ubl.js';
import { validatePeppol } from './helpers/peppol-validator.js';

const base: EInvoiceData = {
  number: '2026-0001',
  issueDate: '2026-11-01',
  dueDate: '2026-11-30',
  currency: 'SEK',
  ocr: '2026000167',
  buyerReference: 'Karin Ref',
  note: null,
  lines: [{ description: 'Årskort gym', quantity: 1, unitAmount: 399900, vatRate: 6 }],
  seller: {
    name: 'Friskvården Gym AB',
    orgNumber: '556677-8899',
    vatNumber: 'SE556677889901',
    peppolId: null,
    address: { street: 'Idrottsvägen 1', postalCode: '114 33', city: 'Stockholm', country: 'SE' },
    email: 'info@gym.example',
    bankgiro: '5050-1055',
  },
  buyer: {
    name: 'Byggbolaget AB',
    peppolId: '0007:5567321707',
    orgNumber: '556732-1707',
    address: { street: 'Byggvägen 3', postalCode: '113 50', city: 'Stockholm', country: 'SE' },
    contactName: 'Karin Ref',
    contactEmail: 'karin@bygg.example',
  },
};

const cases: [string, Partial<EInvoiceData>][] = [
  ['one line at 6 %', {}],
  ['several VAT rates (25, 12, 6) and a zero-rated line', {
    lines: [
      { description: 'Personlig träning', quantity: 2, unitAmount: 40000, vatRate: 25 },
      { description: 'Lunch', quantity: 3, unitAmount: 8900, vatRate: 12 },
      { description: 'Gymkort', quantity: 1, unitAmount: 44900, vatRate: 6 },
      { description: 'Presentkort', quantity: 1, unitAmount: 50000, vatRate: 0 },
    ],
  }],
  ['fractional quantities and a discount line', {
    lines: [
      { description: 'Banhyra (timmar)', quantity: 1.5, unitAmount: 33333, vatRate: 6 },
      { description: 'Rabatt', quantity: 1, unitAmount: -5000, vatRate: 6 },
    ],
  }],
  ['long texts and non-ASCII names', {
    buyerReference: 'Åsa Öberg-Lindqvist, avdelning för ekonomi & löner <inköp>',
    seller: { ...base.seller, name: 'Föreningen Idrottsgården Ängelholm — Ölandshallen & Co AB' },
    buyer: { ...base.buyer, name: 'Ærø Ångström Œuvre "Ünïcødé" AB', contactName: null, contactEmail: null },
    lines: [{ description: 'Träningsavgift '.repeat(30).trim(), quantity: 1, unitAmount: 123456, vatRate: 25 }],
  }],
  ['many lines', {
    lines: Array.from({ length: 120 }, (_, i) => ({ description: `Pass ${i + 1}`, quantity: (i % 4) + 1, unitAmount: 1999 + i, vatRate: [25, 12, 6, 0][i % 4] })),
  }],
  ['no invoice reference: the customer name as buyer reference, a GLN endpoint, no contact', {
    buyerReference: 'Byggbolaget AB',
    buyer: { ...base.buyer, peppolId: '0088:7300010000001', contactName: null, contactEmail: null },
  }],
  ['seller with its own PEPPOL id', { seller: { ...base.seller, peppolId: '0007:5566778899' } }],
];

describe('PEPPOL BIS Billing 3.0 invoices pass the official checks (UBL 2.1 XSD, PEPPOL and EN 16931 schematron)', () => {
  for (const [name, change] of cases) {
    it(name, async () => {
      const xml = buildPeppolInvoice({ ...base, ...change });
      const report = await validatePeppol(xml);
      expect(report.schemaErrors).toEqual([]);
      expect(report.fatal).toEqual([]);
    });
  }

  it('the validator does catch a broken document (so the checks above can fail)', async () => {
    const xml = buildPeppolInvoice(base).replace(/<cbc:BuyerReference>.*<\/cbc:BuyerReference>/, '').replace('SE556677889901', 'SE5566');
    const report = await validatePeppol(xml);
    expect(report.fatal.map((f) => f.id).sort()).toEqual(['PEPPOL-EN16931-R003', 'SE-R-001']);
  });
});
