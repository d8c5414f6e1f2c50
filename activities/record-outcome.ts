// Bookkeeping activities: each records one outcome of a send through the invoice-state owner.
import type { Sql } from '../db/client.js';
import { credit, markDelivered, markUndone, restoreAfterFailure as restore } from '../db/invoice-state.js';
import type { SendRef } from '../domain/send.js';
import type { DeliveryPlan } from './plan-delivery.js';

export async function recordDelivered(
  sql: Sql,
  input: { ref: SendRef; plan: DeliveryPlan; documentId: string; externalId: string | null },
): Promise<void> {
  const { ref, plan, externalId } = input;
  await markDelivered(sql, { ref, method: plan.method, recipient: plan.recipient, rejected: plan.rejected, externalId });
}

export async function recordUndone(sql: Sql, input: { ref: SendRef; reason: string | null }): Promise<void> {
  await markUndone(sql, input);
}

export async function restoreAfterFailure(sql: Sql, input: { ref: SendRef; code: string; message: string; onlyIfPending?: boolean }): Promise<boolean> {
  return restore(sql, input);
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
