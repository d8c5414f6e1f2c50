import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import { priorityPostal } from '../domain/recipient.js';
import { noMethodMessage, resolveDelivery, type Choice, type Rejection } from '../domain/resolve-delivery.js';
import type { Method } from '../domain/methods.js';
import { FailureType, type SendRef } from '../domain/send.js';
import { loadSendContext } from './load-send-context.js';
import type { SendCache } from './send-cache.js';

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
}

/** Re-reads the invoice right before delivery and picks method and recipient (SPEC §6). */
export async function planDelivery(deps: PlanDeps, ref: SendRef): Promise<DeliveryPlan> {
  const ctx = await loadSendContext(deps.sql, ref.tenantId, ref.invoiceId);
  if (!ctx) throw ApplicationFailure.nonRetryable('The invoice no longer exists.', FailureType.NoLongerPending);
  deps.cache?.rememberContext(ref.workflowId, ctx);
  const inv = ctx.invoice;
  if (inv.status !== 'pending_send' || inv.pending_workflow_id !== ref.workflowId) {
    throw ApplicationFailure.nonRetryable(
      `The invoice was ${inv.status === 'paid' ? 'paid' : inv.status === 'credited' ? 'credited' : `changed (status ${inv.status})`} before delivery, so it was not delivered.`,
      FailureType.NoLongerPending,
    );
  }
  const [mandate] = await deps.sql`
    SELECT payer_number FROM autogiro_mandates
    WHERE tenant_id = ${ref.tenantId} AND company_id = ${inv.company_id} AND status = 'active'
      AND (person_id = ${ctx.linked ? null : inv.person_id} OR organization_id = ${ctx.linked ? inv.organization_id : null})
    LIMIT 1`;
  const postal = priorityPostal(ctx.parties);
  const resolution = resolveDelivery({
    kind: ref.kind,
    activeMethods: ctx.company.active_methods,
    defaultMethod: ctx.company.default_method,
    fallbackMethod: ctx.company.fallback_method,
    customerMethod: ctx.customerMethod,
    customerIsOrganization: ctx.linked,
    invoiceEmail: inv.email,
    postal,
    centralPrintCount: inv.central_print_count,
    peppolId: ctx.linked ? ctx.organization.peppol_id : null,
    companyHasOrgAndVatNumber: Boolean(ctx.company.org_number && ctx.company.vat_number),
    autogiroPayerNumber: mandate?.payer_number ?? null,
    companyHasAutogiroSetup: Boolean(ctx.company.autogiro_customer_number && ctx.company.bankgiro),
    totalAmount: Number(inv.total_amount),
    // A send made because the e-mail bounced (the invoice row says so): the fallback method only.
    afterBounce: inv.pending_after_bounce === true,
  });
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
    customerName: postal?.name ?? ctx.parties[0].name,
    payerNumber: resolution.method === 'autogiro' ? mandate.payer_number : null,
  };
}
