import { ulid } from '../platform/ulid.js';
import type { Sql } from '../db/client.js';
import type { SendRef } from '../domain/send.js';
import { beginDelivery, finishDelivery } from './deliveries.js';
import type { DeliveryPlan } from './plan-delivery.js';

/**
 * Own printer: the rendered PDF joins its send request's print batch for the company (one
 * merged PDF per request, GET /v1/print-batches/{id}), which staff download and print.
 */
export async function deliverOwnPrinter(
  sql: Sql,
  input: { ref: SendRef; plan: DeliveryPlan; documentId: string },
): Promise<{ externalId: string | null }> {
  const { ref, plan, documentId } = input;
  return sql.begin(async (tx) => {
    const [batch] = await tx`
      INSERT INTO print_batches (id, tenant_id, company_id, send_request_id)
      SELECT ${'pb_' + ulid()}, ${ref.tenantId}, company_id, ${ref.requestId} FROM invoices WHERE id = ${ref.invoiceId} AND tenant_id = ${ref.tenantId}
      ON CONFLICT (send_request_id, company_id) DO UPDATE SET send_request_id = EXCLUDED.send_request_id
      RETURNING id`;
    const started = await beginDelivery(tx, ref, {
      method: 'own_printer', recipient: plan.recipient, documentId, customerName: plan.customerName, printBatchId: batch.id, plan,
    });
    if (!started.alreadyDelivered) await finishDelivery(tx, ref.workflowId, batch.id);
    return { externalId: batch.id as string };
  });
}
