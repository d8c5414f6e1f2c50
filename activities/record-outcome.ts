// Bookkeeping activities that adapt a send's outcome to the invoice-state owner (db/invoice-state.ts).
import type { Sql } from '../db/client.js';
import { credit, markDelivered } from '../db/invoice-state.js';
import type { SendRef } from '../domain/send.js';
import type { DeliveryPlan } from './plan-delivery.js';

export async function recordDelivered(
  sql: Sql,
  input: { ref: SendRef; plan: DeliveryPlan; documentId: string; externalId: string | null },
): Promise<void> {
  const { ref, plan, externalId } = input;
  await markDelivered(sql, { ref, method: plan.method, recipient: plan.recipient, rejected: plan.rejected, externalId });
}

/** A credit signalled after the undo window: the send has finished one way or the other; now credit. */
export async function creditAfterSend(sql: Sql, input: { ref: SendRef; reason: string | null; delivered: boolean }): Promise<void> {
  const { ref } = input;
  await credit(sql, {
    tenantId: ref.tenantId,
    invoiceId: ref.invoiceId,
    reason: input.reason,
    inFlight: input.delivered ? 'after_send' : 'after_failed_send',
    workflowId: ref.workflowId,
  });
}
