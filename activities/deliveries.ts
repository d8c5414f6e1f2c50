import type { Sql } from '../db/client.js';
import type { SendRef } from '../workflows/definitions.js';

/**
 * The idempotency record of a channel delivery, keyed by the workflow id: a delivery that is
 * already recorded as delivered is never made again by a retried activity.
 */
export async function beginDelivery(
  sql: Sql,
  ref: SendRef,
  d: { method: string; recipient: string; documentId: string },
): Promise<{ alreadyDelivered: boolean; externalId: string | null }> {
  const [row] = await sql`
    INSERT INTO deliveries (workflow_id, tenant_id, invoice_id, method, recipient, document_id, send_request_id, state)
    VALUES (${ref.workflowId}, ${ref.tenantId}, ${ref.invoiceId}, ${d.method}, ${d.recipient}, ${d.documentId}, ${ref.requestId}, 'started')
    ON CONFLICT (workflow_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id
    RETURNING state, external_id`;
  return { alreadyDelivered: row.state === 'delivered', externalId: row.external_id };
}

export async function finishDelivery(sql: Sql, workflowId: string, externalId: string | null): Promise<void> {
  await sql`UPDATE deliveries SET state = 'delivered', external_id = ${externalId}, delivered_at = now()
            WHERE workflow_id = ${workflowId}`;
}
