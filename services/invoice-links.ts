// The invoice page's links (API.md "From delivered to paid"): one owner for making a link, opening
// it and recording the first view. Tokens are 256 random bits, kept only as their SHA-256.
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable, Sql } from '../db/client.js';
import { appendHistory } from '../db/history.js';
import type { Language } from '../documents/labels.js';

/** A link is good until 90 days after the invoice's (or its reminder's) due date (end of day, Sweden). */
export const LINK_DAYS_AFTER_DUE = 90;

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export function invoicePageUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/i/${token}`;
}

/**
 * Makes the link an e-mail delivery carries: a new token, stored hashed, for the delivery's
 * invoice within its tenant. Returns the token (it exists nowhere else once the e-mail is sent).
 */
export async function issueInvoiceLink(
  sql: Queryable,
  d: { tenantId: string; invoiceId: string; workflowId: string; documentId: string | null; kind: 'invoice' | 'reminder'; language: Language },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const inserted = await sql`
    INSERT INTO invoice_links (token_hash, tenant_id, invoice_id, workflow_id, document_id, kind, language, expires_at)
    SELECT ${hashOf(token)}, i.tenant_id, i.id, ${d.workflowId}, ${d.documentId}, ${d.kind}, ${d.language},
           ((GREATEST(i.due_date, COALESCE((i.reminder_charges->>'dueDate')::date, i.due_date)) + ${LINK_DAYS_AFTER_DUE + 1}::integer)::timestamp
             AT TIME ZONE 'Europe/Stockholm')
    FROM invoices i WHERE i.id = ${d.invoiceId} AND i.tenant_id = ${d.tenantId}
    RETURNING 1`;
  if (inserted.length === 0) throw new Error(`Invoice ${d.invoiceId} not found for its link.`);
  return token;
}

export interface InvoiceLink {
  tenantId: string;
  invoiceId: string;
  workflowId: string;
  documentId: string | null;
  kind: 'invoice' | 'reminder';
  language: Language;
  tokenHash: Buffer;
}

/** The link a token names, when it exists and has not expired; null for anything else. */
export async function openInvoiceLink(sql: Queryable, token: string): Promise<InvoiceLink | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const [row] = await sql`
    SELECT token_hash, tenant_id, invoice_id, workflow_id, document_id, kind, language FROM invoice_links
    WHERE token_hash = ${hashOf(token)} AND expires_at > now()`;
  if (!row) return null;
  return {
    tenantId: row.tenant_id, invoiceId: row.invoice_id, workflowId: row.workflow_id, documentId: row.document_id,
    kind: row.kind, language: row.language, tokenHash: row.token_hash,
  };
}

/**
 * A view of the page or its PDF. The first view of a delivery's link writes `viewed` to the
 * history once (its event `invoice.viewed` comes with it, db/migrations/005) and sets the
 * invoice's viewedAt; later views change nothing. True when this was that first view.
 */
export async function recordView(sql: Sql, link: InvoiceLink, what: 'page' | 'pdf'): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [first] = await tx`
      UPDATE invoice_links SET viewed_at = now()
      WHERE token_hash = ${link.tokenHash} AND tenant_id = ${link.tenantId} AND viewed_at IS NULL
      RETURNING 1`;
    if (!first) return false;
    await tx`UPDATE invoices SET viewed_at = COALESCE(viewed_at, now()) WHERE id = ${link.invoiceId} AND tenant_id = ${link.tenantId}`;
    const message = link.kind === 'reminder'
      ? `The customer opened the reminder's ${what === 'pdf' ? 'PDF' : 'page'} from the e-mail.`
      : `The customer opened the invoice's ${what === 'pdf' ? 'PDF' : 'page'} from the e-mail.`;
    return appendHistory(tx, {
      tenantId: link.tenantId, invoiceId: link.invoiceId, type: 'viewed', message,
      method: 'email', workflowId: link.workflowId, dedupeKey: `viewed:${link.workflowId}`,
    });
  }) as Promise<boolean>;
}
