// The clerk's work list after a run: invoices whose latest send or reminder failed or bounced and
// that have not been delivered since — read from the history, where every outcome is written.
import type { Sql } from '../db/client.js';
import type { Method } from '../domain/methods.js';

export interface SendFailure {
  invoiceId: string;
  number: string;
  companyId: string;
  kind: 'invoice' | 'reminder';
  method: Method | null;
  code: string;
  message: string;
  at: string;
  runId: string | null;
  bounced: boolean;
}

/** Outcomes of a delivery, in the order they are written: the latest one per invoice decides. */
const OUTCOMES = ['sent', 'send_failed', 'reminder_sent', 'reminder_failed', 'delivery_bounced'];
const FAILURES = ['send_failed', 'reminder_failed', 'delivery_bounced'];

/**
 * Newest failure first; `before` is the history id of the last item of the previous page. Invoices
 * credited, paid or being sent again are not on the list: there is nothing left to do for them.
 */
export async function listSendFailures(
  sql: Sql,
  tenantId: string,
  q: { companyId?: string; runId?: string; before: string | null; limit: number },
): Promise<{ items: SendFailure[]; last: string | null; more: boolean }> {
  const rows = await sql`
    WITH latest AS (
      SELECT DISTINCT ON (h.invoice_id) h.id, h.invoice_id, h.type, h.message, h.error, h.workflow_id, h.at
      FROM invoice_history h
      WHERE h.tenant_id = ${tenantId} AND h.type = ANY(${OUTCOMES}::text[])
      ORDER BY h.invoice_id, h.id DESC
    )
    SELECT l.id::text AS history_id, l.invoice_id, l.type, l.message, l.error, l.at, l.workflow_id, i.number, i.company_id, r.run_id,
           (SELECT d.method FROM deliveries d WHERE d.workflow_id = l.workflow_id AND d.tenant_id = ${tenantId} LIMIT 1) AS method
    FROM latest l
    JOIN invoices i ON i.id = l.invoice_id AND i.tenant_id = ${tenantId}
    LEFT JOIN send_run_items r ON r.workflow_id = l.workflow_id
    WHERE l.type = ANY(${FAILURES}::text[])
      AND i.status NOT IN ('credited', 'paid', 'pending_send')
      ${q.companyId ? sql`AND i.company_id = ${q.companyId}` : sql``}
      ${q.runId ? sql`AND r.run_id = ${q.runId}` : sql``}
      ${q.before ? sql`AND l.id < ${q.before}::bigint` : sql``}
    ORDER BY l.id DESC
    LIMIT ${q.limit + 1}`;
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => {
      const bounced = r.type === 'delivery_bounced';
      return {
        invoiceId: r.invoice_id,
        number: r.number,
        companyId: r.company_id,
        // Reminder workflows are named remind-…, invoice sends send-… (services/request-sends.ts).
        kind: r.type === 'reminder_failed' || String(r.workflow_id ?? '').startsWith('remind-') ? 'reminder' : 'invoice',
        method: (bounced ? 'email' : (r.method ?? null)) as Method | null,
        code: bounced ? 'delivery_bounced' : (r.error ?? 'delivery_failed'),
        message: r.message,
        at: new Date(r.at).toISOString(),
        runId: r.run_id ?? null,
        bounced,
      };
    }),
    last: page.length ? page[page.length - 1].history_id : null,
    more: rows.length > q.limit,
  };
}
