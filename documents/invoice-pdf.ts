import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Address, PostalRecipient } from '../domain/recipient.js';
import { lineNet, type InvoiceLine, type Totals } from '../domain/totals.js';
import { LABELS, formatMoney, type Language } from './labels.js';
import { reminderAmountLines } from './reminder-lines.js';
import type { ReminderCharges } from '../domain/reminder-charges.js';
import type { PaymentQrFacts } from '../domain/payment-qr.js';
import { paymentQrRuns } from './payment-qr.js';

const require = createRequire(import.meta.url);
// pdfmake's server build is CommonJS; one configured instance per process.
const pdfmake = require('pdfmake') as {
  setFonts(fonts: unknown): void;
  setUrlAccessPolicy(cb: (url: string) => boolean): void;
  setLocalAccessPolicy(cb: (path: string) => boolean): void;
  createPdf(doc: unknown): { getBuffer(): Promise<Buffer> };
  virtualfs: { writeFileSync(name: string, content: Buffer): void };
};
const fontDir = path.join(path.dirname(require.resolve('pdfmake/package.json')), 'fonts', 'Roboto');
// The fonts are read once into pdfmake's in-memory file system: the same bytes every document,
// so each font is also parsed once per process (patches/pdfkit+*.patch).
const FONT_FILES = { normal: 'Roboto-Regular.ttf', bold: 'Roboto-Medium.ttf', italics: 'Roboto-Italic.ttf', bolditalics: 'Roboto-MediumItalic.ttf' };
for (const file of Object.values(FONT_FILES)) pdfmake.virtualfs.writeFileSync(file, readFileSync(path.join(fontDir, file)));
pdfmake.setFonts({ Roboto: FONT_FILES });
// Documents never fetch anything: images arrive as data URLs, fonts from memory.
pdfmake.setUrlAccessPolicy(() => false);
pdfmake.setLocalAccessPolicy(() => false);

export interface DocumentTemplate {
  language: Language;
  headerText: string | null;
  footerText: string | null;
  accentColor: string | null;
}

export interface InvoiceDocument {
  kind: 'invoice' | 'reminder';
  template: DocumentTemplate;
  company: {
    name: string;
    orgNumber: string;
    vatNumber: string | null;
    address: Address;
    email: string | null;
    phone: string | null;
    bankgiro: string | null;
    logo: { contentType: string; data: Buffer } | null;
  };
  recipient: PostalRecipient | { name: string; attention: string | null; address: null };
  invoice: {
    number: string;
    issueDate: string;
    dueDate: string;
    currency: string;
    ocr: string;
    referenceName: string | null;
    lines: InvoiceLine[];
    totals: Totals;
    /** What was paid so far, öre (absent: nothing). */
    paidAmount?: number;
  };
  /** `charges` absent on reminders requested before fees and interest existed. */
  reminder?: { number: number; date: string; charges?: ReminderCharges | null };
}

/** The standard template: what central print always uses (SPEC §4.2). */
export const STANDARD_TEMPLATE: DocumentTemplate = { language: 'sv', headerText: null, footerText: null, accentColor: '#1f3a5f' };

export const MM = 72 / 25.4;

/** Where a Swedish window envelope (C5, window on the left) shows the address. */
export const WINDOW_POSITION = { x: 20 * MM, y: 52 * MM };

export function addressLines(r: InvoiceDocument['recipient']): string[] {
  const lines = [r.name];
  if (r.attention) lines.push(`Att: ${r.attention}`);
  if (r.address) {
    lines.push(r.address.street, `${r.address.postalCode} ${r.address.city}`);
    if (r.address.country && r.address.country.toUpperCase() !== 'SE') lines.push(r.address.country.toUpperCase());
  }
  return lines;
}

/**
 * What the payment slip asks for: the amount still to pay and by when — a reminder's new total
 * by its own due date when it charges one, else the invoice's total less what was paid.
 */
export function amountToPay(d: InvoiceDocument): { amount: number; dueDate: string } {
  const charges = d.kind === 'reminder' ? (d.reminder?.charges ?? null) : null;
  if (charges) return { amount: charges.total, dueDate: charges.dueDate };
  return { amount: Math.max(0, d.invoice.totals.totalAmount - (d.invoice.paidAmount ?? 0)), dueDate: d.invoice.dueDate };
}

/** The payment QR code's facts (UsingQR), or null when the company has no bankgiro to pay to. */
export function paymentQrFacts(d: InvoiceDocument): PaymentQrFacts | null {
  if (!d.company.bankgiro) return null;
  const pay = amountToPay(d);
  return {
    companyName: d.company.name,
    orgNumber: d.company.orgNumber,
    ocr: d.invoice.ocr,
    issueDate: d.invoice.issueDate,
    dueDate: pay.dueDate,
    amountToPay: pay.amount,
    bankgiro: d.company.bankgiro,
  };
}

/** The payment QR code as pdfmake canvas rectangles, `width` points wide with a quiet zone of two modules. */
function qrCanvas(facts: PaymentQrFacts, width: number): Record<string, unknown> {
  const { size, runs } = paymentQrRuns(facts);
  const m = width / (size + 4);
  return {
    canvas: [
      { type: 'rect', x: 0, y: 0, w: width, h: width, color: '#ffffff' },
      ...runs.map(([x, y, n]) => ({ type: 'rect', x: (x + 2) * m, y: (y + 2) * m, w: n * m, h: m, color: '#000000' })),
    ],
    width,
  };
}

export function invoiceDocDefinition(d: InvoiceDocument): Record<string, unknown> {
  const qr = paymentQrFacts(d);
  const L = LABELS[d.template.language];
  const accent = d.template.accentColor ?? '#1f3a5f';
  const money = (ore: number) => formatMoney(ore, d.invoice.currency, d.template.language);
  const isReminder = d.kind === 'reminder';
  const reminderCharges = isReminder ? (d.reminder?.charges ?? null) : null;
  // A reminder that adds nothing (no fee, no interest, nothing paid) shows the amount due alone.
  const charges = reminderCharges && reminderCharges.total !== d.invoice.totals.totalAmount ? reminderCharges : null;
  // What the payment slip asks for: a reminder's new total by its own due date when it charges one.
  const toPay = amountToPay(d).amount;
  const payBy = reminderCharges ? reminderCharges.dueDate : d.invoice.dueDate;
  const title = isReminder ? `${L.reminder} ${d.reminder?.number ?? ''}`.trim() : L.invoice;
  const c = d.company;

  const facts: [string, string][] = isReminder
    ? [
        [L.reminderNumber, String(d.reminder?.number ?? '')],
        [L.reminderDate, d.reminder?.date ?? ''],
        [L.invoiceNumber, d.invoice.number],
        [L.originalDueDate, d.invoice.dueDate],
        ...(reminderCharges ? ([[L.payBy, reminderCharges.dueDate]] as [string, string][]) : []),
        [L.ocr, d.invoice.ocr],
      ]
    : [
        [L.invoiceNumber, d.invoice.number],
        [L.issueDate, d.invoice.issueDate],
        [L.dueDate, d.invoice.dueDate],
        [L.ocr, d.invoice.ocr],
      ];
  if (d.invoice.referenceName) facts.push([L.reference, d.invoice.referenceName]);

  const content: unknown[] = [
    // Company block top right, title top left.
    {
      columns: [
        c.logo
          ? { image: `data:${c.logo.contentType};base64,${c.logo.data.toString('base64')}`, fit: [150, 50] }
          : { text: c.name, style: 'companyName' },
        { text: title, style: 'title', alignment: 'right' },
      ],
    },
    d.template.headerText ? { text: d.template.headerText, margin: [0, 6, 0, 0], color: '#444444' } : null,
    // Recipient placed where a Swedish window envelope (left window) shows it.
    {
      text: addressLines(d.recipient).join('\n'),
      absolutePosition: WINDOW_POSITION,
      fontSize: 11,
    },
    {
      absolutePosition: { x: 112 * MM, y: 52 * MM },
      table: { widths: [112, 'auto'], body: facts.map(([k, v]) => [{ text: k, bold: true }, v]) },
      layout: 'noBorders',
      fontSize: 9,
    },
    { text: '', margin: [0, 105 * MM - 40, 0, 0] },
    isReminder ? { text: L.reminderText, margin: [0, 0, 0, 10] } : null,
    {
      table: {
        headerRows: 1,
        widths: ['*', 40, 70, 40, 80],
        body: [
          [L.description, L.quantity, L.unitPrice, L.vatRate, L.amount].map((t, i) => ({
            text: t,
            bold: true,
            color: 'white',
            fillColor: accent,
            alignment: i === 0 ? 'left' : 'right',
          })),
          ...d.invoice.lines.map((l) => [
            l.description,
            { text: String(l.quantity), alignment: 'right' },
            { text: money(l.unitAmount), alignment: 'right' },
            { text: String(l.vatRate), alignment: 'right' },
            { text: money(lineNet(l)), alignment: 'right' },
          ]),
        ],
      },
      layout: 'lightHorizontalLines',
      fontSize: 9,
    },
    {
      margin: [0, 10, 0, 0],
      columns: [
        { width: '*', text: '' },
        {
          width: 220,
          table: {
            widths: ['*', 'auto'],
            body: [
              [L.net, { text: money(d.invoice.totals.netAmount), alignment: 'right' }],
              ...d.invoice.totals.vatGroups.map((g) => [
                `${L.vat} ${g.rate} % (${money(g.taxableAmount)})`,
                { text: money(g.vatAmount), alignment: 'right' },
              ]),
              ...(charges
                ? reminderAmountLines(charges, d.invoice.totals.totalAmount, d.template.language).map((l) => [
                    l.detail ? { text: [{ text: l.label, bold: l.bold }, { text: `\n${l.detail}`, fontSize: 7, color: '#555555' }] } : { text: l.label, bold: l.bold },
                    { text: money(l.amount), bold: l.bold, alignment: 'right' },
                  ])
                : [[
                { text: isReminder ? L.amountDue : L.total, bold: true },
                { text: money(d.invoice.totals.totalAmount), bold: true, alignment: 'right' },
              ]]),
            ],
          },
          layout: 'lightHorizontalLines',
        },
      ],
    },
    {
      margin: [0, 16, 0, 0],
      columns: [
        {
          width: '*',
          table: {
        widths: ['*', '*', '*'],
        body: [
          [
            { text: `${L.bankgiro}\n${c.bankgiro ?? '—'}`, bold: true },
            { text: `${L.ocr}\n${d.invoice.ocr}`, bold: true },
            { text: `${isReminder && !charges ? L.amountDue : L.total}\n${money(toPay)}`, bold: true },
          ],
          [{ text: `${reminderCharges ? L.payBy : L.dueDate}: ${payBy}. ${L.payWith}`, colSpan: 3, fontSize: 8 }, {}, {}],
        ],
          },
        },
        // The payment QR code (UsingQR) beside the slip, for the bank app.
        qr
          ? { width: 92, stack: [{ ...qrCanvas(qr, 84), margin: [8, 0, 0, 0] }, { text: L.scanToPay, fontSize: 6, alignment: 'right', color: '#555555' }] }
          : { width: 0, text: '' },
      ],
      columnGap: 8,
    },
    d.template.footerText ? { text: d.template.footerText, margin: [0, 12, 0, 0], color: '#444444' } : null,
  ].filter(Boolean);

  const footerText = [
    c.name,
    `${c.address.street}, ${c.address.postalCode} ${c.address.city}`,
    `${L.orgNumber} ${c.orgNumber}`,
    c.vatNumber ? `${L.vatNumber} ${c.vatNumber}` : null,
    c.bankgiro ? `${L.bankgiro} ${c.bankgiro}` : null,
    c.email,
    c.phone,
    L.fSkatt,
  ]
    .filter(Boolean)
    .join(' · ');

  return {
    pageSize: 'A4',
    pageMargins: [20 * MM, 15 * MM, 20 * MM, 25 * MM],
    info: { title: `${title} ${d.invoice.number}`, author: c.name },
    defaultStyle: { font: 'Roboto', fontSize: 10 },
    styles: {
      title: { fontSize: 20, bold: true, color: accent },
      companyName: { fontSize: 16, bold: true, color: accent },
    },
    footer: { text: footerText, fontSize: 7, alignment: 'center', margin: [20 * MM, 5 * MM, 20 * MM, 0], color: '#555555' },
    content,
  };
}

export async function renderInvoicePdf(d: InvoiceDocument): Promise<Buffer> {
  return renderPdf(invoiceDocDefinition(d));
}

/** Any pdfmake document definition, with this process's fonts and access rules. */
export async function renderPdf(definition: Record<string, unknown>): Promise<Buffer> {
  return pdfmake.createPdf(definition).getBuffer();
}
