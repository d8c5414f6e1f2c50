import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import { PermanentDeliveryError } from '../channels/permanent-error.js';
import type { PrintProvider } from '../channels/print-provider.js';
import { CENTRAL_PRINT_LIMIT } from '../domain/resolve-delivery.js';
import { priorityPostal } from '../domain/recipient.js';
import { FailureType, type SendRef } from '../domain/send.js';
import { beginDelivery, finishDelivery } from './deliveries.js';
import { loadSendContext } from './load-send-context.js';
import type { DeliveryPlan } from './plan-delivery.js';
import { sendInEnvelope } from './print-envelope.js';

/**
 * Central print: reserves one of the invoice's three central-print deliveries atomically (so
 * concurrent sends can never exceed the limit), then hands PDF + manifest to the print provider
 * with our delivery id as idempotency key. A failed send releases the reservation.
 */
export async function deliverCentralPrint(
  deps: { sql: Sql; print: PrintProvider },
  input: { ref: SendRef; plan: DeliveryPlan; documentId: string },
): Promise<{ externalId: string | null }> {
  const { ref, plan, documentId } = input;
  const started = await deps.sql.begin(async (tx) => {
    const s = await beginDelivery(tx, ref, { method: 'central_print', recipient: plan.recipient, documentId, customerName: plan.customerName, plan });
    if (s.firstAttempt) {
      const [reserved] = await tx`
        UPDATE invoices SET central_print_count = central_print_count + 1
        WHERE id = ${ref.invoiceId} AND tenant_id = ${ref.tenantId} AND pending_workflow_id = ${ref.workflowId}
          AND central_print_count < ${CENTRAL_PRINT_LIMIT}
        RETURNING central_print_count`;
      if (!reserved) {
        throw ApplicationFailure.nonRetryable(
          `The invoice has already been sent by central print ${CENTRAL_PRINT_LIMIT} times, the most allowed.`,
          FailureType.NoEligibleMethod,
        );
      }
    }
    return s;
  });
  if (started.alreadyDelivered) return { externalId: started.externalId };

  const ctx = await loadSendContext(deps.sql, ref.tenantId, ref.invoiceId);
  const postal = ctx && priorityPostal(ctx.parties);
  if (!ctx || !postal) throw ApplicationFailure.nonRetryable('The recipient has no postal address.', FailureType.InvalidRecipient);
  const letter = {
    documentType: ref.kind,
    company: { id: ctx.company.id, name: ctx.company.name, orgNumber: ctx.company.org_number },
    recipient: { name: postal.name, attention: postal.attention, ...postal.address },
    color: false,
    duplex: true,
    postageClass: 'B',
    envelope: 'C5-window-left',
  } as const;
  if (ctx.company.combine_envelopes) {
    const inEnvelope = await sendInEnvelope(deps, ref, { ctx, recipient: plan.recipient, postal, manifest: letter });
    if ('jobId' in inEnvelope) {
      await finishDelivery(deps.sql, ref.workflowId, inEnvelope.jobId);
      return { externalId: inEnvelope.jobId };
    }
  }
  const [doc] = await deps.sql`SELECT content, page_count FROM documents WHERE id = ${documentId} AND tenant_id = ${ref.tenantId}`;
  try {
    const { jobId } = await deps.print.submit({
      pdf: doc.content,
      manifest: { ...letter, deliveryId: ref.workflowId, invoiceNumber: ctx.invoice.number, pages: doc.page_count ?? 1 },
    });
    await finishDelivery(deps.sql, ref.workflowId, jobId);
    return { externalId: jobId };
  } catch (err) {
    if (err instanceof PermanentDeliveryError) throw ApplicationFailure.nonRetryable(err.message, FailureType.DeliveryRejected);
    throw err;
  }
}
