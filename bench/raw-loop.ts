// The baseline a user could write instead of the service: one process that reads the invoices,
// renders each PDF with pdfmake (the same document code) and sends it with nodemailer to the
// same SMTP server. No durability, no history, no undo. Started by bench/mass-send.ts over IPC.
import nodemailer from 'nodemailer';
import pMap from 'p-map';
import { connect } from '../db/client.js';
import { renderInvoicePdf, STANDARD_TEMPLATE } from '../documents/invoice-pdf.js';
import { computeTotals } from '../domain/totals.js';

// Dates as 'YYYY-MM-DD' strings, as the service reads them (the payment QR code writes them out).
const sql = connect(process.env.DATABASE_URL!, { max: 2 });
const transport = nodemailer.createTransport({ url: process.env.SMTP_URL!, pool: true, maxConnections: 4 } as never);

process.on('message', async (msg: { companyId: string }) => {
  const rows = await sql`
    SELECT i.*, c.name AS company_name, c.org_number, c.vat_number, c.address AS company_address, c.email AS company_email,
           c.phone, c.bankgiro, p.name AS person_name, p.address AS person_address
    FROM invoices i JOIN companies c ON c.id = i.company_id JOIN persons p ON p.id = i.person_id
    WHERE i.company_id = ${msg.companyId} ORDER BY i.id`;
  await pMap(
    rows,
    async (r) => {
      const pdf = await renderInvoicePdf({
        kind: 'invoice',
        template: STANDARD_TEMPLATE,
        company: { name: r.company_name, orgNumber: r.org_number, vatNumber: r.vat_number, address: r.company_address, email: r.company_email, phone: r.phone, bankgiro: r.bankgiro, logo: null },
        recipient: { name: r.person_name, attention: null, address: r.person_address },
        invoice: {
          number: r.number, issueDate: r.issue_date, dueDate: r.due_date, currency: r.currency, ocr: r.ocr,
          referenceName: null, lines: r.lines, totals: computeTotals(r.lines),
        },
      });
      await transport.sendMail({
        from: { name: r.company_name, address: 'invoices@bench.local' },
        to: r.email,
        subject: `Faktura ${r.number} från ${r.company_name}`,
        text: `Faktura ${r.number}\nOCR: ${r.ocr}`,
        messageId: `<raw-${r.id}@bench.local>`,
        attachments: [{ filename: `faktura-${r.number}.pdf`, content: pdf, contentType: 'application/pdf' }],
      });
    },
    { concurrency: 8 },
  );
  process.send!({ done: rows.length });
});
process.send!({ ready: true });
