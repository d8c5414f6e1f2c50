// One envelope for a customer's several letters: an address page whose address shows in the
// envelope's window, then each letter. Every part starts on a front side (printing is duplex),
// so a blank page follows any part with an odd number of pages.
import { PDFDocument } from 'pdf-lib';
import type { Address } from '../domain/recipient.js';
import { MM, renderPdf, WINDOW_POSITION } from './invoice-pdf.js';
import { formatMoney, LABELS } from './labels.js';

/**
 * Letters per envelope: with the address sheet, seven sheets and a C5 envelope stay under the
 * 50 g of a standard letter's postage.
 */
export const MAX_LETTERS_PER_ENVELOPE = 6;

export interface EnvelopeLetter {
  kind: 'invoice' | 'reminder';
  number: string;
  dueDate: string;
  /** What the letter asks to be paid, in öre. */
  amount: number;
  currency: string;
}

/** A letter as its invoice row tells it: a reminder asks for its own total by its own due date. */
export function envelopeLetterOf(row: {
  kind: 'invoice' | 'reminder'; number: string; due_date: string; total_amount: number | string; currency: string;
  reminder_charges: { total: number; dueDate: string } | null;
}): EnvelopeLetter {
  const charges = row.kind === 'reminder' ? row.reminder_charges : null;
  return {
    kind: row.kind,
    number: row.number,
    dueDate: charges ? charges.dueDate : row.due_date,
    amount: charges ? charges.total : Number(row.total_amount),
    currency: row.currency,
  };
}

/** The address page (Swedish, as the standard template central print uses). */
export async function renderAddressPage(o: { company: { name: string; address: Address }; recipientLines: string[]; letters: EnvelopeLetter[] }): Promise<Buffer> {
  const L = LABELS.sv;
  const c = o.company;
  return renderPdf({
    pageSize: 'A4',
    pageMargins: [20 * MM, 15 * MM, 20 * MM, 25 * MM],
    info: { title: `${o.letters.length} brev till ${o.recipientLines[0]}`, author: c.name },
    defaultStyle: { font: 'Roboto', fontSize: 10 },
    content: [
      { text: `${c.name}\n${c.address.street}\n${c.address.postalCode} ${c.address.city}`, fontSize: 8, color: '#555555' },
      { text: o.recipientLines.join('\n'), absolutePosition: WINDOW_POSITION, fontSize: 11 },
      {
        absolutePosition: { x: 20 * MM, y: 110 * MM },
        stack: [
          { text: `Det här kuvertet innehåller ${o.letters.length} brev från ${c.name}:`, bold: true, margin: [0, 0, 0, 6] },
          {
            table: {
              widths: ['*', 'auto', 'auto'],
              body: o.letters.map((l) => [
                `${l.kind === 'reminder' ? L.reminder : L.invoice} ${l.number}`,
                `${l.kind === 'reminder' ? L.payBy : L.dueDate} ${l.dueDate}`,
                { text: formatMoney(l.amount, l.currency, 'sv'), alignment: 'right' },
              ]),
            },
            layout: 'lightHorizontalLines',
          },
        ],
      },
    ],
  });
}

/** The address page and the letters as one PDF, each part starting on a new sheet. */
export async function combineEnvelope(addressPage: Uint8Array, letters: Uint8Array[]): Promise<{ pdf: Buffer; pages: number }> {
  const out = await PDFDocument.create();
  for (const part of [addressPage, ...letters]) {
    const src = await PDFDocument.load(part);
    const pages = await out.copyPages(src, src.getPageIndices());
    for (const page of pages) out.addPage(page);
    const last = pages.at(-1);
    if (last && pages.length % 2 === 1) out.addPage([last.getWidth(), last.getHeight()]);
  }
  return { pdf: Buffer.from(await out.save()), pages: out.getPageCount() };
}
