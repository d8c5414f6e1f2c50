/** @jsxImportSource hono/jsx */
// The invoice page a customer opens from the e-mail (GET /i/{token}): the invoice as HTML — lines,
// totals, payment details and the payment QR code — in the customer's language, with the same
// words as the PDF. Nothing on it links anywhere but its own PDF (and Swish, when offered).
import { raw } from 'hono/html';
import { lineNet } from '../domain/totals.js';
import { LABELS, formatMoney } from './labels.js';
import { reminderAmountLines } from './reminder-lines.js';
import { amountToPay, type InvoiceDocument } from './invoice-pdf.js';

export interface InvoicePageData {
  doc: InvoiceDocument;
  status: string;
  /** The payment QR code as SVG (documents/payment-qr.ts), or null without a bankgiro. */
  qrSvg: string | null;
  swishNumber: string | null;
  pdfUrl: string;
  /** The nonce this response's Content-Security-Policy allows the page's one style element. */
  nonce: string;
}

const CSS = `
body{margin:0;background:#f3f5f8;color:#1d2733;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:760px;margin:24px auto;background:#fff;border-radius:8px;padding:28px 32px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
header{display:flex;justify-content:space-between;align-items:flex-start;gap:16px}
header img{max-height:56px;max-width:220px}
h1{margin:0;font-size:28px}
.company{font-size:20px;font-weight:600}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:20px 0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
table{width:100%;border-collapse:collapse;margin:16px 0}
th,td{padding:6px 8px;border-bottom:1px solid #dde3ea;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
thead th{color:#fff}
tr.total td{font-weight:700;border-bottom:2px solid #1d2733}
.detail{display:block;font-size:12px;color:#555}
section.pay{display:flex;gap:24px;align-items:center;flex-wrap:wrap;border:1px solid #cfd7e0;border-radius:8px;padding:16px 20px;margin-top:20px}
section.pay dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0;flex:1}
section.pay dt{font-weight:600}
section.pay dd{margin:0}
.qr{text-align:center;font-size:12px;color:#555}
.qr svg{width:168px;height:168px;display:block}
.notice{padding:10px 14px;border-radius:6px;background:#e7f4ea;border:1px solid #9bcfa8;margin:16px 0}
.notice.credited{background:#fdf3e1;border-color:#e8c27a}
.actions{margin-top:20px;display:flex;gap:12px;flex-wrap:wrap}
.button{display:inline-block;padding:10px 18px;border-radius:6px;color:#fff;text-decoration:none;font-weight:600}
.button.secondary{background:#fff;color:#1d2733;border:1px solid #1d2733}
footer{max-width:760px;margin:0 auto 24px;text-align:center;font-size:12px;color:#555}
`;

/** Swish's app-switch link, filled with payee, amount and the OCR as a message the payer cannot change. */
export function swishLink(swishNumber: string, amountOre: number, ocr: string): string {
  const data = {
    version: 1,
    payee: { value: swishNumber.replace(/\D/g, '') },
    amount: { value: amountOre / 100 },
    message: { value: ocr, editable: false },
  };
  return `swish://payment?data=${encodeURIComponent(JSON.stringify(data))}`;
}

export function invoicePageHtml(p: InvoicePageData): string {
  const d = p.doc;
  const lang = d.template.language;
  const L = LABELS[lang];
  const accent = d.template.accentColor ?? '#1f3a5f';
  const money = (ore: number) => formatMoney(ore, d.invoice.currency, lang);
  const isReminder = d.kind === 'reminder';
  const reminderCharges = isReminder ? (d.reminder?.charges ?? null) : null;
  const charges = reminderCharges && reminderCharges.total !== d.invoice.totals.totalAmount ? reminderCharges : null;
  const pay = amountToPay(d);
  const title = isReminder ? `${L.reminder} ${d.reminder?.number ?? ''}`.trim() : L.invoice;
  const c = d.company;
  const open = p.status !== 'paid' && p.status !== 'credited';
  const facts: [string, string][] = [
    [L.invoiceNumber, d.invoice.number],
    [L.issueDate, d.invoice.issueDate],
    [isReminder ? L.originalDueDate : L.dueDate, d.invoice.dueDate],
    ...(reminderCharges ? ([[L.payBy, reminderCharges.dueDate]] as [string, string][]) : []),
    [L.ocr, d.invoice.ocr],
    ...(d.invoice.referenceName ? ([[L.reference, d.invoice.referenceName]] as [string, string][]) : []),
  ];
  const totals: { label: string; detail?: string; amount: number; bold?: boolean }[] = [
    { label: L.net, amount: d.invoice.totals.netAmount },
    ...d.invoice.totals.vatGroups.map((g) => ({ label: `${L.vat} ${g.rate} % (${money(g.taxableAmount)})`, amount: g.vatAmount })),
    ...(charges
      ? reminderAmountLines(charges, d.invoice.totals.totalAmount, lang)
      : [{ label: isReminder ? L.amountDue : L.total, amount: d.invoice.totals.totalAmount, bold: true }]),
  ];
  const page = (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} ${d.invoice.number} ${L.from} ${c.name}`}</title>
        <style nonce={p.nonce}>{raw(`${CSS}thead th{background:${/^#[0-9a-fA-F]{3,8}$/.test(accent) ? accent : '#1f3a5f'}}.button{background:${/^#[0-9a-fA-F]{3,8}$/.test(accent) ? accent : '#1f3a5f'}}`)}</style>
      </head>
      <body>
        <main>
          <header>
            <div>
              {c.logo ? <img src={`data:${c.logo.contentType};base64,${c.logo.data.toString('base64')}`} alt={c.name} /> : null}
              <div class="company">{c.name}</div>
            </div>
            <h1>{title}</h1>
          </header>
          {p.status === 'paid' ? <p class="notice" role="status">{L.paidNotice}</p> : null}
          {p.status === 'credited' ? <p class="notice credited" role="status">{L.creditedNotice}</p> : null}
          {isReminder ? <p>{L.reminderText}</p> : null}
          <dl class="facts">
            {facts.map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </>
            ))}
          </dl>
          <table>
            <thead>
              <tr>
                <th scope="col">{L.description}</th>
                <th scope="col">{L.quantity}</th>
                <th scope="col">{L.unitPrice}</th>
                <th scope="col">{L.vatRate}</th>
                <th scope="col">{L.amount}</th>
              </tr>
            </thead>
            <tbody>
              {d.invoice.lines.map((l) => (
                <tr>
                  <td>{l.description}</td>
                  <td>{String(l.quantity)}</td>
                  <td>{money(l.unitAmount)}</td>
                  <td>{String(l.vatRate)}</td>
                  <td>{money(lineNet(l))}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table class="totals">
            <tbody>
              {totals.map((t) => (
                <tr class={t.bold ? 'total' : undefined}>
                  <td>
                    {t.label}
                    {t.detail ? <span class="detail">{t.detail}</span> : null}
                  </td>
                  <td>{money(t.amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {open ? (
            <section class="pay" aria-label={L.payment}>
              <dl>
                <dt>{L.bankgiro}</dt>
                <dd>{c.bankgiro ?? '—'}</dd>
                <dt>{L.ocr}</dt>
                <dd>{d.invoice.ocr}</dd>
                <dt>{L.total}</dt>
                <dd>
                  <strong>{money(pay.amount)}</strong>
                </dd>
                <dt>{reminderCharges ? L.payBy : L.dueDate}</dt>
                <dd>{pay.dueDate}</dd>
                {p.swishNumber ? (
                  <>
                    <dt>{L.swishNumber}</dt>
                    <dd>{p.swishNumber}</dd>
                    <dt>{L.message}</dt>
                    <dd>{d.invoice.ocr}</dd>
                  </>
                ) : null}
              </dl>
              {p.qrSvg ? (
                <div class="qr" aria-label={L.scanToPay} role="img">
                  {raw(p.qrSvg)}
                  {L.scanToPay}
                </div>
              ) : null}
            </section>
          ) : null}
          <p class="actions">
            {open && p.swishNumber ? (
              <a class="button" href={swishLink(p.swishNumber, pay.amount, d.invoice.ocr)}>
                {L.payWithSwish}
              </a>
            ) : null}
            <a class="button secondary" href={p.pdfUrl} download>
              {L.downloadPdf}
            </a>
          </p>
          {d.template.footerText ? <p>{d.template.footerText}</p> : null}
        </main>
        <footer>
          {[c.name, `${L.orgNumber} ${c.orgNumber}`, c.vatNumber ? `${L.vatNumber} ${c.vatNumber}` : null, c.email, c.phone].filter(Boolean).join(' · ')}
        </footer>
      </body>
    </html>
  );
  return `<!doctype html>${page.toString()}`;
}

/** The page for an unknown or expired link (and for too many tries), in both languages. */
export function linkProblemHtml(o: { status: 404 | 429; nonce: string }): string {
  const [sv, en] = [LABELS.sv, LABELS.en];
  const lines = o.status === 404 ? [sv.linkNotFound, en.linkNotFound] : [sv.tooManyTries, en.tooManyTries];
  const page = (
    <html lang="sv">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{o.status === 404 ? `${sv.linkNotFoundTitle} / ${en.linkNotFoundTitle}` : '429'}</title>
        <style nonce={o.nonce}>{raw(CSS)}</style>
      </head>
      <body>
        <main>
          <h1>{o.status === 404 ? sv.linkNotFoundTitle : '429'}</h1>
          {lines.map((l) => (
            <p>{l}</p>
          ))}
        </main>
      </body>
    </html>
  );
  return `<!doctype html>${page.toString()}`;
}
