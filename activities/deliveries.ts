import type { Queryable } from '../db/client.js';
import { ApplicationFailure } from '@temporalio/activity';
import { FailureType, type SendRef } from '../domain/send.js';
import type { DeliveryPlan } from './plan-delivery.js';
import { claimUntil } from './delivery-claim.js';

/**
 * The idempotency record of a channel delivery, keyed by the workflow id: a delivery that is
 * already recorded as delivered is never made again by a retried activity.
 *
 * It is also the point of no return. The row is written only while this send still owns the
 * pending invoice, under the invoice's row lock, so a credit (which takes the same lock) either
 * comes first and the send delivers nothing, or comes after and knows the delivery has begun.
 */
export async function beginDelivery(
  sql: Queryable,
  ref: SendRef,
  d: {
    method: string; recipient: string; documentId: string; customerName: string; printBatchId?: string | null; plan?: DeliveryPlan;
    /** The attempt's claim token (delivery-claim.ts): a first attempt inserts the record claimed. */
    claim?: string;
  },
): Promise<{ alreadyDelivered: boolean; externalId: string | null; firstAttempt: boolean }> {
  const [row] = await sql`
    WITH owner AS (
      SELECT id FROM invoices
      WHERE id = ${ref.invoiceId} AND tenant_id = ${ref.tenantId} AND status = 'pending_send' AND pending_workflow_id = ${ref.workflowId}
      FOR UPDATE)
    INSERT INTO deliveries (workflow_id, tenant_id, invoice_id, method, recipient, document_id, send_request_id, state,
                            customer_name, print_batch_id, plan, claimed_by, claimed_until)
    SELECT ${ref.workflowId}, ${ref.tenantId}, ${ref.invoiceId}, ${d.method}, ${d.recipient}, ${d.documentId},
           ${ref.requestId}, 'started', ${d.customerName}, ${d.printBatchId ?? null}, ${d.plan ? sql.json(d.plan as never) : null}::jsonb,
           ${d.claim ?? null}, ${d.claim ? claimUntil(sql) : null}
    FROM owner
    ON CONFLICT (workflow_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id
    RETURNING state, external_id, (xmax = 0) AS inserted`;
  if (row) return { alreadyDelivered: row.state === 'delivered', externalId: row.external_id, firstAttempt: row.inserted };
  // Not the owner any more: a retry of a delivery already begun goes on; anything else stops here.
  const [begun] = await sql`SELECT state, external_id FROM deliveries WHERE workflow_id = ${ref.workflowId}`;
  if (begun) return { alreadyDelivered: begun.state === 'delivered', externalId: begun.external_id, firstAttempt: false };
  const [inv] = await sql`SELECT status FROM invoices WHERE id = ${ref.invoiceId} AND tenant_id = ${ref.tenantId}`;
  throw ApplicationFailure.nonRetryable(notPendingMessage(inv?.status ?? null), FailureType.NoLongerPending);
}

/** Why a send found its invoice no longer waiting for it, in the clerk's words. */
export function notPendingMessage(status: string | null): string {
  if (status === null) return 'The invoice no longer exists.';
  return `The invoice was ${status === 'paid' ? 'paid' : status === 'credited' ? 'credited' : `changed (status ${status})`} before delivery, so it was not delivered.`;
}

export async function finishDelivery(sql: Queryable, workflowId: string, externalId: string | null): Promise<void> {
  await sql`UPDATE deliveries SET state = 'delivered', external_id = ${externalId}, delivered_at = now(), claimed_by = NULL, claimed_until = NULL
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
