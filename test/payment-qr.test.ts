// The payment QR code (UsingQR) on invoice and reminder PDFs, decoded back from the rendered page
// the way a bank app's camera reads the paper: pdftoppm draws the page, jsQR finds the code.
import { describe, expect, it } from 'vitest';
import { renderInvoicePdf, STANDARD_TEMPLATE, type InvoiceDocument } from '../documents/invoice-pdf.js';
import { computeTotals } from '../domain/totals.js';
import { usingQrPayload } from '../domain/payment-qr.js';
import { decodeQrFromPdf } from './helpers/qr.js';
import { pdfText } from './helpers/pdf-text.js';

const lines = [
  { description: 'Årskort', quantity: 1, unitAmount: 450000, vatRate: 6 },
  { description: 'Handduk', quantity: 2, unitAmount: 4990, vatRate: 25 },
];

function doc(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return {
    kind: 'invoice',
    template: STANDARD_TEMPLATE,
    company: {
      name: 'Friskvården "Gym" AB', orgNumber: '556677-8899', vatNumber: 'SE556677889901',
      address: { street: 'Idrottsvägen 1', postalCode: '114 33', city: 'Stockholm', country: 'SE' },
      email: 'info@gym.example', phone: null, bankgiro: '5050-1055', logo: null,
    },
    recipient: { name: 'Åsa Öberg', attention: null, address: { street: 'Sveavägen 10', postalCode: '113 50', city: 'Stockholm', country: 'SE' } },
    invoice: { number: '1001', issueDate: '2026-11-01', dueDate: '2026-11-30', currency: 'SEK', ocr: '100164', referenceName: null, lines, totals: computeTotals(lines) },
    ...overrides,
  };
}

const FIELDS = ['uqr', 'tp', 'nme', 'cid', 'iref', 'idt', 'ddt', 'due', 'pt', 'acc'];

describe('payment QR code (UsingQR)', () => {
  it('an invoice carries the amount still to pay, with every field read back from the rendered page', async () => {
    const d = doc();
    const total = d.invoice.totals.totalAmount; // 4 500 kr + 6 % and 2 × 49,90 kr + 25 %
    const pdf = await renderInvoicePdf({ ...d, invoice: { ...d.invoice, paidAmount: 100050 } });
    const text = await decodeQrFromPdf(pdf);
    expect(text).not.toBeNull();
    const qr = JSON.parse(text!);
    expect(Object.keys(qr)).toEqual(FIELDS);
    const still = total - 100050;
    expect(qr).toEqual({
      uqr: 1, tp: 1, nme: 'Friskvården "Gym" AB', cid: '556677-8899', iref: '100164',
      idt: '20261101', ddt: '20261130', due: still / 100, pt: 'BG', acc: '5050-1055',
    });
    // Kronor with two decimals, as written.
    expect(text).toContain(`"due":${Math.floor(still / 100)}.${String(still % 100).padStart(2, '0')},`);
    expect(await pdfText(pdf)).toContain('Skanna med bankappen');
  });

  it('a reminder asks for its new total by its own due date; English labels', async () => {
    const d = doc({ kind: 'reminder', template: { ...STANDARD_TEMPLATE, language: 'en' } });
    const charges = { principal: 200000, fee: 6000, interest: 1234, interestDays: 31, interestRatePercent: 10, referenceRateDate: '2026-07-01', total: 207234, dueDate: '2026-12-21' };
    const pdf = await renderInvoicePdf({ ...d, reminder: { number: 1, date: '2026-12-10', charges } });
    const qr = JSON.parse((await decodeQrFromPdf(pdf))!);
    expect(qr).toEqual({
      uqr: 1, tp: 1, nme: 'Friskvården "Gym" AB', cid: '556677-8899', iref: '100164',
      idt: '20261101', ddt: '20261221', due: 2072.34, pt: 'BG', acc: '5050-1055',
    });
    expect(await pdfText(pdf)).toContain('Scan with your bank app');
  });

  it('a company without a bankgiro gets no QR code (there is nothing to pay to)', async () => {
    const pdf = await renderInvoicePdf(doc({ company: { ...doc().company, bankgiro: null } }));
    expect(await decodeQrFromPdf(pdf)).toBeNull();
  });

  it('the payload is exactly the listed fields, in order, with öre written as kronor', () => {
    expect(usingQrPayload({ companyName: 'A', orgNumber: '1', ocr: '2', issueDate: '2026-01-02', dueDate: '2026-02-03', amountToPay: 5, bankgiro: '3' }))
      .toBe('{"uqr":1,"tp":1,"nme":"A","cid":"1","iref":"2","idt":"20260102","ddt":"20260203","due":0.05,"pt":"BG","acc":"3"}');
    expect(usingQrPayload({ companyName: 'A', orgNumber: '1', ocr: '2', issueDate: '2026-01-02', dueDate: '2026-02-03', amountToPay: 125000, bankgiro: '3' }))
      .toContain('"due":1250.00,');
  });
});
