import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import { noMethodMessage, type Choice, type Rejection } from '../domain/resolve-delivery.js';
import type { Method } from '../domain/methods.js';
import { FailureType, type SendRef } from '../domain/send.js';
import { loadSendContext } from './load-send-context.js';
import { notPendingMessage } from './deliveries.js';
import { resolveDeliveryFor } from '../services/delivery-facts.js';
import type { SendCache } from './send-cache.js';
import type { KivraChannel } from '../channels/kivra.js';

export interface DeliveryPlan {
  method: Method;
  choice: Choice;
  recipient: string;
  rejected: Rejection[];
  /** Whom the letter is for: orders print batches and names the print manifest's recipient. */
  customerName: string;
  /** The payer's Autogiro number, when the method is Autogiro. */
  payerNumber: string | null;
}

export interface PlanDeps {
  sql: Sql;
  cache?: SendCache;
  kivra?: Pick<KivraChannel, 'isUser'>;
}

/** Re-reads the invoice right before delivery and picks method and recipient (SPEC §6). */
export async function planDelivery(deps: PlanDeps, ref: SendRef): Promise<DeliveryPlan> {
  const ctx = await loadSendContext(deps.sql, ref.tenantId, ref.invoiceId);
  if (!ctx) throw ApplicationFailure.nonRetryable('The invoice no longer exists.', FailureType.NoLongerPending);
  deps.cache?.rememberContext(ref.workflowId, ctx);
  const inv = ctx.invoice;
  if (inv.status !== 'pending_send' || inv.pending_workflow_id !== ref.workflowId) {
    throw ApplicationFailure.nonRetryable(notPendingMessage(inv.status), FailureType.NoLongerPending);
  }
  // The same decision as the send preview's and the request's (services/delivery-facts.ts).
  const { facts, payerNumber, resolution } = await resolveDeliveryFor(deps.sql, ctx, ref.kind, { kivra: deps.kivra, requestedMethod: ref.requestedMethod ?? null });
  if (!resolution.ok) {
    throw ApplicationFailure.create({
      message: noMethodMessage(resolution.rejected),
      type: FailureType.NoEligibleMethod,
      nonRetryable: true,
      details: [resolution.rejected],
    });
  }
  return {
    method: resolution.method,
    choice: resolution.choice,
    recipient: resolution.recipient,
    rejected: resolution.rejected,
    customerName: facts.postal?.name ?? ctx.parties[0].name,
    payerNumber: resolution.method === 'autogiro' ? payerNumber : null,
  };
}
