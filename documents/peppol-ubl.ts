import { create } from 'xmlbuilder2';
import type { Address } from '../domain/recipient.js';
import { computeTotals, lineNet, type InvoiceLine } from '../domain/totals.js';

/** What a PEPPOL BIS Billing 3.0 invoice needs, already resolved from the database. */
export interface EInvoiceData {
  number: string;
  issueDate: string;
  dueDate: string;
  currency: string;
  ocr: string;
  buyerReference: string;
  note: string | null;
  lines: InvoiceLine[];
  seller: {
    name: string;
    orgNumber: string; // NNNNNN-NNNN or 10 digits
    vatNumber: string; // SE + 12 digits
    peppolId: string | null;
    address: Address;
    email: string | null;
    bankgiro: string | null;
  };
  buyer: {
    name: string;
    peppolId: string; // scheme:value, e.g. 0007:5567321707 or 0088:7300010000001
    orgNumber: string | null;
    address: Address | null;
    contactName: string | null;
    contactEmail: string | null;
  };
}

const NS = {
  inv: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
};

const amount = (ore: number) => (ore / 100).toFixed(2);
const digits = (s: string) => s.replace(/\D/g, '');

function splitParticipant(id: string): { scheme: string; value: string } {
  const i = id.indexOf(':');
  return { scheme: id.slice(0, i), value: id.slice(i + 1) };
}

/** Standard rate S for 25/12/6 %, zero-rated Z for 0 % (EN 16931 VAT categories). */
const category = (rate: number) => (rate === 0 ? 'Z' : 'S');

/** PEPPOL BIS Billing 3.0 (UBL 2.1) invoice, valid against the UBL XSD and the PEPPOL/EN 16931 schematron. */
export function buildPeppolInvoice(d: EInvoiceData): string {
  const totals = computeTotals(d.lines);
  const cur = { currencyID: d.currency };
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele(NS.inv, 'Invoice').att('xmlns:cac', NS.cac).att('xmlns:cbc', NS.cbc);
  const cbc = (parent: ReturnType<typeof doc.ele>, name: string, text: string, attrs?: Record<string, string>) => {
    const e = parent.ele(NS.cbc, `cbc:${name}`);
    if (attrs) for (const [k, v] of Object.entries(attrs)) e.att(k, v);
    e.txt(text);
    return e;
  };
  const cac = (parent: ReturnType<typeof doc.ele>, name: string) => parent.ele(NS.cac, `cac:${name}`);
  const address = (parent: ReturnType<typeof doc.ele>, a: Address) => {
    const p = cac(parent, 'PostalAddress');
    cbc(p, 'StreetName', a.street);
    cbc(p, 'CityName', a.city);
    cbc(p, 'PostalZone', a.postalCode);
    cbc(cac(p, 'Country'), 'IdentificationCode', a.country.toUpperCase());
  };
  const taxScheme = (parent: ReturnType<typeof doc.ele>, id: string) => cbc(cac(parent, 'TaxScheme'), 'ID', id);

  cbc(doc, 'CustomizationID', 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0');
  cbc(doc, 'ProfileID', 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0');
  cbc(doc, 'ID', d.number);
  cbc(doc, 'IssueDate', d.issueDate);
  cbc(doc, 'DueDate', d.dueDate);
  cbc(doc, 'InvoiceTypeCode', '380');
  if (d.note) cbc(doc, 'Note', d.note);
  cbc(doc, 'DocumentCurrencyCode', d.currency);
  cbc(doc, 'BuyerReference', d.buyerReference);

  // Seller
  const sellerParty = cac(cac(doc, 'AccountingSupplierParty'), 'Party');
  const sellerEndpoint = d.seller.peppolId ? splitParticipant(d.seller.peppolId) : { scheme: '0007', value: digits(d.seller.orgNumber) };
  cbc(sellerParty, 'EndpointID', sellerEndpoint.value, { schemeID: sellerEndpoint.scheme });
  cbc(cac(sellerParty, 'PartyName'), 'Name', d.seller.name);
  address(sellerParty, d.seller.address);
  const vat = cac(sellerParty, 'PartyTaxScheme');
  cbc(vat, 'CompanyID', d.seller.vatNumber);
  taxScheme(vat, 'VAT');
  const fSkatt = cac(sellerParty, 'PartyTaxScheme');
  cbc(fSkatt, 'CompanyID', 'Godkänd för F-skatt');
  taxScheme(fSkatt, 'TAX');
  const sellerLegal = cac(sellerParty, 'PartyLegalEntity');
  cbc(sellerLegal, 'RegistrationName', d.seller.name);
  cbc(sellerLegal, 'CompanyID', digits(d.seller.orgNumber), { schemeID: '0007' });
  if (d.seller.email) cbc(cac(sellerParty, 'Contact'), 'ElectronicMail', d.seller.email);

  // Buyer
  const buyerParty = cac(cac(doc, 'AccountingCustomerParty'), 'Party');
  const buyerEndpoint = splitParticipant(d.buyer.peppolId);
  cbc(buyerParty, 'EndpointID', buyerEndpoint.value, { schemeID: buyerEndpoint.scheme });
  cbc(cac(buyerParty, 'PartyName'), 'Name', d.buyer.name);
  address(buyerParty, d.buyer.address ?? { street: '', postalCode: '', city: '', country: 'SE' });
  const buyerLegal = cac(buyerParty, 'PartyLegalEntity');
  cbc(buyerLegal, 'RegistrationName', d.buyer.name);
  if (d.buyer.orgNumber) cbc(buyerLegal, 'CompanyID', digits(d.buyer.orgNumber), { schemeID: '0007' });
  if (d.buyer.contactName || d.buyer.contactEmail) {
    const contact = cac(buyerParty, 'Contact');
    if (d.buyer.contactName) cbc(contact, 'Name', d.buyer.contactName);
    if (d.buyer.contactEmail) cbc(contact, 'ElectronicMail', d.buyer.contactEmail);
  }

  // Payment: bankgiro with the OCR reference.
  if (d.seller.bankgiro) {
    const means = cac(doc, 'PaymentMeans');
    cbc(means, 'PaymentMeansCode', '30', { name: 'Bankgiro' });
    cbc(means, 'PaymentID', d.ocr);
    const account = cac(means, 'PayeeFinancialAccount');
    cbc(account, 'ID', digits(d.seller.bankgiro));
    cbc(cac(account, 'FinancialInstitutionBranch'), 'ID', 'SE:BANKGIRO');
  }

  // VAT breakdown
  const taxTotal = cac(doc, 'TaxTotal');
  cbc(taxTotal, 'TaxAmount', amount(totals.vatAmount), cur);
  for (const g of totals.vatGroups) {
    const sub = cac(taxTotal, 'TaxSubtotal');
    cbc(sub, 'TaxableAmount', amount(g.taxableAmount), cur);
    cbc(sub, 'TaxAmount', amount(g.vatAmount), cur);
    const cat = cac(sub, 'TaxCategory');
    cbc(cat, 'ID', category(g.rate));
    cbc(cat, 'Percent', String(g.rate));
    taxScheme(cat, 'VAT');
  }

  const monetary = cac(doc, 'LegalMonetaryTotal');
  cbc(monetary, 'LineExtensionAmount', amount(totals.netAmount), cur);
  cbc(monetary, 'TaxExclusiveAmount', amount(totals.netAmount), cur);
  cbc(monetary, 'TaxInclusiveAmount', amount(totals.totalAmount), cur);
  cbc(monetary, 'PayableAmount', amount(totals.totalAmount), cur);

  d.lines.forEach((l, i) => {
    // Prices are never negative in EN 16931: a credit line carries a negative quantity instead.
    const negative = l.unitAmount < 0;
    const line = cac(doc, 'InvoiceLine');
    cbc(line, 'ID', String(i + 1));
    cbc(line, 'InvoicedQuantity', String(negative ? -l.quantity : l.quantity), { unitCode: 'C62' });
    cbc(line, 'LineExtensionAmount', amount(lineNet(l)), cur);
    const item = cac(line, 'Item');
    cbc(item, 'Name', l.description);
    const cat = cac(item, 'ClassifiedTaxCategory');
    cbc(cat, 'ID', category(l.vatRate));
    cbc(cat, 'Percent', String(l.vatRate));
    taxScheme(cat, 'VAT');
    cbc(cac(line, 'Price'), 'PriceAmount', amount(Math.abs(l.unitAmount)), cur);
  });

  return doc.end({ prettyPrint: true });
}
