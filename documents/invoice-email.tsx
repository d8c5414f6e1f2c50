/** @jsxImportSource hono/jsx */
// The invoice and reminder e-mail (API.md "From delivered to paid"): a text part and an HTML part
// with the same words as the PDF — the facility's name and logo, the amount, due date, OCR,
// bankgiro and a button to the invoice page. The HTML is tables with inline styles, which the
// common mail clients render alike; the logo travels inside the message (cid:), nothing is
// fetched from elsewhere and nothing tracks the reader.
import type { ReminderCharges } from '../domain/reminder-charges.js';
import { LABELS, formatMoney, type Language } from './labels.js';
import { reminderAmountLines } from './reminder-lines.js';

export interface InvoiceEmailFacts {
  kind: 'invoice' | 'reminder';
  language: Language;
  company: { name: string; bankgiro: string | null; hasLogo: boolean };
  invoice: {
    number: string;
    dueDate: string;
    ocr: string;
    currency: string;
    totalAmount: number;
    reminderCount: number;
    reminderCharges: ReminderCharges | null;
  };
  pageUrl: string;
  accentColor?: string | null;
}

/** The content id the HTML part's logo refers to (`cid:`), attached beside it. */
export const LOGO_CID = 'logo@invoice-distribution';

export function invoiceEmail(f: InvoiceEmailFacts): { subject: string; text: string; html: string } {
  const lang = f.language;
  const L = LABELS[lang];
  const inv = f.invoice;
  const isReminder = f.kind === 'reminder';
  const title = isReminder ? `${L.reminder} ${inv.reminderCount}` : L.invoice;
  const forInvoice = isReminder ? (lang === 'sv' ? ' för faktura' : ' for invoice') : '';
  const money = (ore: number) => formatMoney(ore, inv.currency, lang);
  // A reminder with a fee, interest or a part paid spells out its new total; else the amount due.
  const charges = isReminder ? inv.reminderCharges : null;
  const amountLines = !charges || charges.total === inv.totalAmount
    ? [{ label: isReminder ? L.amountDue : L.total, amount: inv.totalAmount, bold: true, detail: undefined as string | undefined }]
    : reminderAmountLines(charges, inv.totalAmount, lang);
  const facts: [string, string][] = [
    [isReminder ? L.originalDueDate : L.dueDate, inv.dueDate],
    ...(isReminder && inv.reminderCharges ? ([[L.payBy, inv.reminderCharges.dueDate]] as [string, string][]) : []),
    [L.bankgiro, f.company.bankgiro ?? '—'],
    [L.ocr, inv.ocr],
  ];
  const heading = `${title}${forInvoice} ${inv.number}`;
  const button = isReminder ? L.viewReminder : L.viewInvoice;
  const text = [
    heading,
    '',
    ...amountLines.map((l) => `${l.label}: ${money(l.amount)}${l.detail ? `, ${l.detail}` : ''}`),
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    `${button}: ${f.pageUrl}`,
    '',
    f.company.name,
  ].join('\n');

  const accent = f.accentColor && /^#[0-9a-fA-F]{6}$/.test(f.accentColor) ? f.accentColor : '#1f3a5f';
  const font = 'font-family:Arial,Helvetica,sans-serif;';
  const cell = `${font}font-size:15px;color:#1d2733;padding:4px 0;`;
  const html = (
    <html lang={lang}>
      <head>
        <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{heading}</title>
      </head>
      <body style="margin:0;padding:0;background-color:#f3f5f8;">
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border={0} style="background-color:#f3f5f8;">
          <tr>
            <td align="center" style="padding:24px 12px;">
              <table role="presentation" width="560" cellpadding="0" cellspacing="0" border={0} style="max-width:560px;width:100%;background-color:#ffffff;border-radius:6px;">
                <tr>
                  <td style={`padding:24px 28px 8px 28px;border-top:4px solid ${accent};border-radius:6px 6px 0 0;`}>
                    {f.company.hasLogo ? (
                      <img src={`cid:${LOGO_CID}`} alt={f.company.name} height="48" style="display:block;height:48px;max-width:220px;border:0;" />
                    ) : null}
                    <p style={`${font}font-size:18px;font-weight:bold;color:${accent};margin:8px 0 0 0;`}>{f.company.name}</p>
                  </td>
                </tr>
                <tr>
                  <td style="padding:8px 28px 0 28px;">
                    <h1 style={`${font}font-size:22px;color:#1d2733;margin:8px 0 12px 0;`}>{heading}</h1>
                    {isReminder ? <p style={`${cell}margin:0 0 12px 0;`}>{L.reminderText}</p> : null}
                  </td>
                </tr>
                <tr>
                  <td style="padding:0 28px;">
                    <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border={0}>
                      {amountLines.map((l) => (
                        <tr>
                          <td style={`${cell}${l.bold ? 'font-weight:bold;' : ''}`}>
                            {l.label}
                            {l.detail ? <span style="display:block;font-size:12px;color:#555555;">{l.detail}</span> : null}
                          </td>
                          <td align="right" style={`${cell}${l.bold ? 'font-weight:bold;font-size:18px;' : ''}white-space:nowrap;`}>{money(l.amount)}</td>
                        </tr>
                      ))}
                      {facts.map(([k, v]) => (
                        <tr>
                          <td style={cell}>{k}</td>
                          <td align="right" style={`${cell}white-space:nowrap;`}>{v}</td>
                        </tr>
                      ))}
                    </table>
                  </td>
                </tr>
                <tr>
                  <td align="center" style="padding:24px 28px;">
                    <table role="presentation" cellpadding="0" cellspacing="0" border={0}>
                      <tr>
                        <td align="center" bgcolor={accent} style={`border-radius:4px;background-color:${accent};`}>
                          <a href={f.pageUrl} target="_blank" style={`${font}display:inline-block;padding:12px 28px;font-size:16px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:4px;`}>
                            {button}
                          </a>
                        </td>
                      </tr>
                    </table>
                    <p style={`${font}font-size:12px;color:#555555;margin:16px 0 0 0;`}>{L.payWith}</p>
                  </td>
                </tr>
              </table>
              <p style={`${font}font-size:12px;color:#555555;margin:12px 0 0 0;`}>{f.company.name}</p>
            </td>
          </tr>
        </table>
      </body>
    </html>
  );
  return { subject: `${heading} ${L.from} ${f.company.name}`, text, html: `<!DOCTYPE html>${html.toString()}` };
}
