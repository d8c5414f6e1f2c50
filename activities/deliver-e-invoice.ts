import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import { PermanentDeliveryError } from '../channels/permanent-error.js';
import type { EInvoiceChannel } from '../channels/pagero.js';
import { FailureType, type SendRef } from '../domain/send.js';
import { beginDelivery, finishDelivery } from './deliveries.js';
import type { DeliveryPlan } from './plan-delivery.js';

/** E-invoice: the stored PEPPOL UBL document goes to Pagero, keyed by our delivery id. */
export async function deliverEInvoice(
  deps: { sql: Sql; eInvoice: EInvoiceChannel },
  input: { ref: SendRef; plan: DeliveryPlan; documentId: string },
): Promise<{ externalId: string | null }> {
  const { ref, plan, documentId } = input;
  const started = await beginDelivery(deps.sql, ref, { method: 'e_invoice', recipient: plan.recipient, documentId, customerName: plan.customerName, plan });
  if (started.alreadyDelivered) return { externalId: started.externalId };
  const [doc] = await deps.sql`
    SELECT d.content, i.number FROM documents d JOIN invoices i ON i.id = d.invoice_id
    WHERE d.id = ${documentId} AND d.tenant_id = ${ref.tenantId}`;
  try {
    const { documentId: pageroId } = await deps.eInvoice.submit({
      deliveryId: ref.workflowId,
      invoiceNumber: doc.number,
      ubl: Buffer.from(doc.content).toString('utf8'),
    });
    await finishDelivery(deps.sql, ref.workflowId, pageroId);
    return { externalId: pageroId };
  } catch (err) {
    if (err instanceof PermanentDeliveryError) throw ApplicationFailure.nonRetryable(err.message, FailureType.DeliveryRejected);
    throw err;
  }
}
