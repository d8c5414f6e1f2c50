import type { Sql } from '../db/client.js';
import type { SendRef } from '../workflows/definitions.js';
import { beginDelivery, finishDelivery } from './deliveries.js';
import type { DeliveryPlan } from './plan-delivery.js';

/** Own printer: the rendered PDF joins its send request's print batch, which staff download and print. */
export async function deliverOwnPrinter(
  sql: Sql,
  input: { ref: SendRef; plan: DeliveryPlan; documentId: string },
): Promise<{ externalId: string | null }> {
  const { ref, plan, documentId } = input;
  const started = await beginDelivery(sql, ref, { method: 'own_printer', recipient: plan.recipient, documentId });
  if (!started.alreadyDelivered) await finishDelivery(sql, ref.workflowId, ref.requestId);
  return { externalId: ref.requestId };
}
