import type { Queryable } from '../db/client.js';
import type { SendRef } from '../workflows/definitions.js';

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
