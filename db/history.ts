import type { Queryable } from './client.js';

export type HistoryType =
  | 'created'
  | 'send_requested'
  | 'sent'
  | 'send_failed'
  | 'send_undone'
  | 'reminder_requested'
  | 'reminder_sent'
  | 'reminder_failed'
  | 'credited'
  | 'paid'
  | 'email_updated'
  | 'delivery_bounced'
  | 'delivery_delayed'
  | 'bounce_fallback'
  | 'payment_received'
  | 'autogiro_failed'
  | 'viewed'
  | 'unopened_letter';

export interface HistoryEntry {
  tenantId: string;
  invoiceId: string;
  type: HistoryType;
  message: string;
  method?: string | null;
  recipient?: string | null;
  workflowId?: string | null;
  error?: string | null;
  /** Entries written by retried activities carry a key so they are written once. */
  dedupeKey?: string | null;
}

// Messages quote what outside parties said (an SMTP answer, a provider's error): PostgreSQL text
// cannot hold NUL, and a history line should not run to megabytes.
const storable = (s: string) => s.replace(/\u0000/g, '').slice(0, 4000);

/** Append-only: history rows are only ever inserted. False when its dedupe key was written before. */
export async function appendHistory(sql: Queryable, e: HistoryEntry): Promise<boolean> {
  const inserted = await sql`
    INSERT INTO invoice_history (tenant_id, invoice_id, type, message, method, recipient, workflow_id, error, dedupe_key)
    VALUES (${e.tenantId}, ${e.invoiceId}, ${e.type}, ${storable(e.message)}, ${e.method ?? null}, ${e.recipient ?? null},
            ${e.workflowId ?? null}, ${e.error ?? null}, ${e.dedupeKey ?? null})
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id`;
  return inserted.length > 0;
}
