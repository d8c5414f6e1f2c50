import { ulid } from '../platform/ulid.js';
import { PDFDocument } from 'pdf-lib';
import { buildPeppolInvoice, type EInvoiceData } from '../documents/peppol-ubl.js';
import type { Sql } from '../db/client.js';
import { computeTotals } from '../domain/totals.js';
import { priorityPostal } from '../domain/recipient.js';
import type { Method } from '../domain/methods.js';
import { renderInvoicePdf, STANDARD_TEMPLATE, type DocumentTemplate, type InvoiceDocument } from '../documents/invoice-pdf.js';
import type { Language } from '../documents/labels.js';
import type { SendRef } from '../domain/send.js';
import type { SendContext } from './load-send-context.js';
import { cachedSendContext, type SendCache } from './send-cache.js';

export function documentFromContext(ctx: SendContext, template: DocumentTemplate, kind: 'invoice' | 'reminder'): InvoiceDocument {
  const inv = ctx.invoice;
  const postal = priorityPostal(ctx.parties);
  return {
    kind,
    template,
    company: {
      name: ctx.company.name,
      orgNumber: ctx.company.org_number,
      vatNumber: ctx.company.vat_number,
      address: ctx.company.address,
      email: ctx.company.email,
      phone: ctx.company.phone,
      bankgiro: ctx.company.bankgiro,
      logo: ctx.logo,
    },
    recipient: postal ?? { name: ctx.parties[0].name, attention: null, address: null },
    invoice: {
      number: inv.number,
      issueDate: inv.issue_date,
      dueDate: inv.due_date,
      currency: inv.currency,
      ocr: inv.ocr,
      referenceName: ctx.reference?.name ?? null,
      lines: inv.lines,
      totals: computeTotals(inv.lines),
      paidAmount: Number(inv.paid_amount ?? 0),
    },
    reminder: kind === 'reminder' ? { number: inv.reminder_count, date: inv.reminder_date, charges: inv.reminder_charges ?? null } : undefined,
  };
}

export function eInvoiceFromContext(ctx: SendContext): EInvoiceData {
  const inv = ctx.invoice;
  const org = ctx.organization;
  const postal = priorityPostal(ctx.parties);
  return {
    number: inv.number,
    issueDate: inv.issue_date,
    dueDate: inv.due_date,
    currency: inv.currency,
    ocr: inv.ocr,
    // PEPPOL requires a buyer reference: the invoice reference's name, else the customer's name.
    buyerReference: ctx.reference?.name ?? ctx.person.name,
    note: null,
    lines: inv.lines,
    seller: {
      name: ctx.company.name,
      orgNumber: ctx.company.org_number,
      vatNumber: ctx.company.vat_number,
      peppolId: ctx.company.peppol_id,
      address: ctx.company.address,
      email: ctx.company.email,
      bankgiro: ctx.company.bankgiro,
    },
    buyer: {
      name: org.name,
      peppolId: org.peppol_id,
      orgNumber: org.org_number,
      address: postal?.address ?? org.address,
      contactName: ctx.reference?.name ?? null,
      contactEmail: ctx.reference?.email ?? null,
    },
  };
}

/**
 * Renders the document for this send (the PEPPOL UBL for e-invoices, else the PDF) and stores it as a document. Keyed by workflow id, so a retry
 * returns the document already stored instead of making a second one.
 */
export async function renderDocument(
  sql: Sql,
  input: { ref: SendRef; method: Method; /** A send's first attempt: nothing was stored for it yet, so nothing is looked up. */ firstAttempt?: boolean },
  cache?: SendCache,
): Promise<{ documentId: string }> {
  const { ref, method } = input;
  const kind = method === 'e_invoice' ? 'ubl' : ref.kind === 'reminder' ? 'reminder_pdf' : 'invoice_pdf';
  if (!input.firstAttempt) {
    const [existing] = await sql`SELECT id FROM documents WHERE workflow_id = ${ref.workflowId} AND kind = ${kind}`;
    if (existing) return { documentId: existing.id };
  }

  const ctx = await cachedSendContext({ sql, cache }, ref);
  let content: Buffer;
  let contentType = 'application/pdf';
  let pageCount: number | null = null;
  if (kind === 'ubl') {
    content = Buffer.from(buildPeppolInvoice(eInvoiceFromContext(ctx)), 'utf8');
    contentType = 'application/xml';
  } else {
    content = await renderInvoicePdf(documentFromContext(ctx, inCustomerLanguage(await chooseTemplate(sql, ref, method), ctx), ref.kind));
    pageCount = await countPages(content);
  }
  const [row] = await sql`
    INSERT INTO documents (id, tenant_id, invoice_id, kind, content_type, content, workflow_id, page_count)
    VALUES (${'doc_' + ulid()}, ${ref.tenantId}, ${ref.invoiceId}, ${kind}, ${contentType}, ${content}, ${ref.workflowId}, ${pageCount})
    ON CONFLICT (workflow_id, kind) DO UPDATE SET workflow_id = EXCLUDED.workflow_id
    RETURNING id`;
  cache?.rememberDocument(row.id, content);
  return { documentId: row.id };
}

/**
 * Pages of a PDF we rendered: pdfkit writes one page tree with its count in plain text, read
 * here in microseconds; anything else is parsed (about a millisecond).
 */
async function countPages(pdf: Buffer): Promise<number> {
  const tree = /\/Type \/Pages\n\/Count (\d+)\n/.exec(pdf.toString('latin1'));
  return tree ? Number(tree[1]) : (await PDFDocument.load(pdf)).getPageCount();
}

/**
 * The language a customer reads: the organisation's when the invoice goes to it (linked), else
 * the person's; null when they have none (API.md: then the template's, else Swedish).
 */
export function customerLanguage(ctx: Pick<SendContext, 'linked' | 'person' | 'organization'>): Language | null {
  const own = ctx.linked ? (ctx.organization?.language ?? ctx.person?.language) : ctx.person?.language;
  return own === 'sv' || own === 'en' ? own : null;
}

/** The template in the customer's language: theirs, else the template's (the standard template's is Swedish). */
export function inCustomerLanguage(template: DocumentTemplate, ctx: Pick<SendContext, 'linked' | 'person' | 'organization'>): DocumentTemplate {
  const language = customerLanguage(ctx);
  return language && language !== template.language ? { ...template, language } : template;
}

/** The send's chosen template (only one of the invoice's own company), or the standard one; central print always uses the standard template with the logo (SPEC §4.2). */
export async function chooseTemplate(sql: Sql, ref: SendRef, method: Method): Promise<DocumentTemplate> {
  if (method === 'central_print' || !ref.templateId) return STANDARD_TEMPLATE;
  const [t] = await sql`SELECT language, header_text, footer_text, accent_color FROM templates
                        WHERE id = ${ref.templateId} AND tenant_id = ${ref.tenantId}
                          AND company_id = (SELECT company_id FROM invoices WHERE id = ${ref.invoiceId} AND tenant_id = ${ref.tenantId})`;
  return t ? { language: t.language, headerText: t.header_text, footerText: t.footer_text, accentColor: t.accent_color } : STANDARD_TEMPLATE;
}
