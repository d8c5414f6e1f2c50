import { describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { renderInvoicePdf, STANDARD_TEMPLATE, type InvoiceDocument } from '../documents/invoice-pdf.js';
import { computeTotals } from '../domain/totals.js';
import { pdfText } from './helpers/pdf-text.js';

// A 1×1 JPEG, to prove JPEG logos embed as well as PNG ones.
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=',
  'base64',
);

function doc(overrides: Partial<InvoiceDocument> = {}, lineCount = 2): InvoiceDocument {
  const lines = Array.from({ length: lineCount }, (_, i) => ({ description: `Träningspass ${i + 1}`, quantity: 1, unitAmount: 10000 + i, vatRate: i % 2 ? 25 : 6 }));
  return {
    kind: 'invoice',
    template: STANDARD_TEMPLATE,
    company: {
      name: 'Friskvården Gym AB', orgNumber: '556677-8899', vatNumber: 'SE556677889901',
      address: { street: 'Idrottsvägen 1', postalCode: '114 33', city: 'Stockholm', country: 'SE' },
      email: 'info@gym.example', phone: null, bankgiro: '5050-1055', logo: null,
    },
    recipient: { name: 'Åsa Öberg', attention: null, address: { street: 'Sveavägen 10', postalCode: '113 50', city: 'Stockholm', country: 'SE' } },
    invoice: { number: '1001', issueDate: '2026-11-01', dueDate: '2026-11-30', currency: 'SEK', ocr: '100164', referenceName: 'Karin', lines, totals: computeTotals(lines) },
    ...overrides,
  };
}

describe('invoice and reminder PDFs', () => {
  it('a long invoice flows over several A4 pages and keeps its totals', async () => {
    const pdf = await renderInvoicePdf(doc({}, 120));
    const loaded = await PDFDocument.load(pdf);
    expect(loaded.getPageCount()).toBeGreaterThan(1);
    const { width, height } = loaded.getPage(0).getSize();
    expect([Math.round(width), Math.round(height)]).toEqual([595, 842]); // A4 in points
    const text = await pdfText(pdf);
    expect(text).toContain('Träningspass 120');
    expect(text).toContain('Att betala');
  });

  it('the English template and a JPEG logo', async () => {
    const pdf = await renderInvoicePdf(
      doc({
        template: { language: 'en', headerText: 'Member since 2019', footerText: null, accentColor: '#aa3300' },
        company: { ...doc().company, logo: { contentType: 'image/jpeg', data: JPEG } },
      }),
    );
    const text = await pdfText(pdf);
    for (const s of ['Invoice', 'Invoice number', 'Due date', 'OCR reference', 'Amount to pay', 'Member since 2019', 'Your reference Karin']) {
      expect(text).toContain(s);
    }
    expect(Buffer.from(pdf).toString('latin1')).toContain('/DCTDecode');
  });

  it('a reminder says Påminnelse, its number, the original due date and the amount due', async () => {
    const text = await pdfText(await renderInvoicePdf(doc({ kind: 'reminder', reminder: { number: 2, date: '2026-12-10' } })));
    for (const s of ['Påminnelse 2', 'Påminnelse nr 2', 'Påminnelsedatum 2026-12-10', 'Ursprungligt förfallodatum 2026-11-30', 'Förfallet belopp', '100164', '5050-1055']) {
      expect(text).toContain(s);
    }
  });
});
