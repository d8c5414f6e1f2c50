import type { Queryable } from '../db/client.js';
import type { SendRef } from '../domain/send.js';

/**
 * The idempotency record of a channel delivery, keyed by the workflow id: a delivery that is
 * already recorded as delivered is never made again by a retried activity.
 */
export async function beginDelivery(
  sql: Queryable,
  ref: SendRef,
  d: { method: string; recipient: string; documentId: string; customerName: string; printBatchId?: string | null },
): Promise<{ alreadyDelivered: boolean; externalId: string | null; firstAttempt: boolean }> {
  const [row] = await sql`
    INSERT INTO deliveries (workflow_id, tenant_id, invoice_id, method, recipient, document_id, send_request_id, state,
                            customer_name, print_batch_id)
    VALUES (${ref.workflowId}, ${ref.tenantId}, ${ref.invoiceId}, ${d.method}, ${d.recipient}, ${d.documentId},
            ${ref.requestId}, 'started', ${d.customerName}, ${d.printBatchId ?? null})
    ON CONFLICT (workflow_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id
    RETURNING state, external_id, (xmax = 0) AS inserted`;
  return { alreadyDelivered: row.state === 'delivered', externalId: row.external_id, firstAttempt: row.inserted };
}

export async function finishDelivery(sql: Queryable, workflowId: string, externalId: string | null): Promise<void> {
  await sql`UPDATE deliveries SET state = 'delivered', external_id = ${externalId}, delivered_at = now()
            WHERE workflow_id = ${workflowId}`;
}

const RECORD_PATIENCE_MS = 90_000;

/**
 * Records a delivery the outside world has already accepted (an e-mail after the SMTP server's
 * 250). A failure here must not fail the activity — its retry would deliver again — so the
 * record is retried in place while the database is away, within the activity's time limit.
 */
export async function finishDeliveryPersistently(sql: Queryable, workflowId: string, externalId: string | null): Promise<void> {
  const deadline = Date.now() + RECORD_PATIENCE_MS;
  for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      await finishDelivery(sql, workflowId, externalId);
      return;
    } catch (err) {
      if (Date.now() + wait > deadline) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
