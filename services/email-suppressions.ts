// A company's suppression list: the one module that puts addresses on it (a permanent bounce),
// reads it and takes them off (a clerk). Planning and the send preview read it with the invoice
// (activities/load-send-context.ts) and pass e-mail over for a listed address (`email_suppressed`).
import type { Queryable } from '../db/client.js';

export interface EmailSuppressionItem {
  email: string;
  /** The receiving server's words for the bounce. */
  reason: string;
  /** When the address was listed (ISO instant). */
  at: string;
  /** The invoice whose e-mail bounced. */
  invoiceId: string | null;
}

/** How an address is kept on the list and matched: trimmed and lower-cased. */
export const suppressionKey = (email: string) => email.trim().toLowerCase();

/**
 * Lists the address an e-mail of this invoice bounced from for good. Listed again by a later
 * bounce, it keeps that bounce's reason, time and invoice.
 */
export async function suppressAddress(
  tx: Queryable,
  s: { tenantId: string; companyId: string; email: string; reason: string; invoiceId: string; workflowId: string },
): Promise<void> {
  const email = suppressionKey(s.email);
  if (!email) return;
  await tx`
    INSERT INTO email_suppressions (tenant_id, company_id, email, reason, invoice_id, workflow_id)
    VALUES (${s.tenantId}, ${s.companyId}, ${email}, ${s.reason.replace(/\u0000/g, '').slice(0, 1000)}, ${s.invoiceId}, ${s.workflowId})
    ON CONFLICT (company_id, email) DO UPDATE
      SET reason = excluded.reason, invoice_id = excluded.invoice_id, workflow_id = excluded.workflow_id, created_at = now()
      WHERE email_suppressions.tenant_id = excluded.tenant_id`;
}

/** The company's list, newest first; null when the tenant has no such company. */
export async function listSuppressions(sql: Queryable, tenantId: string, companyId: string): Promise<EmailSuppressionItem[] | null> {
  const rows = await sql`
    SELECT c.id AS company, s.email, s.reason, s.created_at, s.invoice_id
    FROM companies c LEFT JOIN email_suppressions s ON s.company_id = c.id AND s.tenant_id = c.tenant_id
    WHERE c.id = ${companyId} AND c.tenant_id = ${tenantId}
    ORDER BY s.created_at DESC, s.email`;
  if (rows.length === 0) return null;
  return rows
    .filter((r) => r.email !== null)
    .map((r) => ({ email: r.email, reason: r.reason, at: new Date(r.created_at).toISOString(), invoiceId: r.invoice_id ?? null }));
}

/** Takes the address off the company's list: it may be e-mailed again. */
export async function removeSuppression(
  sql: Queryable,
  tenantId: string,
  companyId: string,
  email: string,
): Promise<'removed' | 'no_company' | 'not_listed'> {
  const [r] = await sql`
    WITH company AS (SELECT id FROM companies WHERE id = ${companyId} AND tenant_id = ${tenantId}),
         gone AS (
           DELETE FROM email_suppressions s USING company
           WHERE s.company_id = company.id AND s.tenant_id = ${tenantId} AND s.email = ${suppressionKey(email)}
           RETURNING s.email)
    SELECT (SELECT count(*) FROM company)::int AS company, (SELECT count(*) FROM gone)::int AS removed`;
  if (!r.company) return 'no_company';
  return r.removed ? 'removed' : 'not_listed';
}
