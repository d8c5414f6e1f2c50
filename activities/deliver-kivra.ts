import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import type { KivraChannel, KivraContent } from '../channels/kivra.js';
import { PermanentDeliveryError } from '../channels/permanent-error.js';
import { nextBankDay } from '../domain/bank-days.js';
import { FailureType, type SendRef } from '../domain/send.js';
import { beginDelivery, finishDelivery } from './deliveries.js';
import type { SendContext } from './load-send-context.js';
import type { DeliveryPlan } from './plan-delivery.js';
import { cachedDocument, cachedSendContext, type SendCache } from './send-cache.js';

/** Kivra shows a payable invoice only for at least 1 kr. */
const KIVRA_MIN_PAYABLE_ORE = 100;

/**
 * The invoice in the customer's Kivra mailbox: the stored PDF with the payment details Kivra
 * shows (amount, OCR, due date, bankgiro). A retry sends the very same payload, which Kivra's
 * duplicate control delivers once.
 */
export async function deliverKivra(
  deps: { sql: Sql; kivra: KivraChannel; cache?: SendCache },
  input: { ref: SendRef; plan: DeliveryPlan; documentId: string },
): Promise<{ externalId: string | null }> {
  const { ref, plan, documentId } = input;
  const started = await beginDelivery(deps.sql, ref, { method: 'kivra', recipient: plan.recipient, documentId, customerName: plan.customerName, plan });
  if (started.alreadyDelivered) return { externalId: started.externalId };
  const ctx = await cachedSendContext(deps, ref);
  const pdf = await cachedDocument(deps, ref, documentId);
  const tenantKey: string | null = ctx.company.kivra_tenant_key;
  const ssn: string | null = ctx.person.personal_identity_number;
  if (!tenantKey || !ssn) {
    throw ApplicationFailure.nonRetryable('The Kivra tenant key or the personal identity number was removed before delivery.', FailureType.InvalidRecipient);
  }
  try {
    const { contentKey } = await deps.kivra.send({ deliveryId: ref.workflowId, tenantKey, content: kivraContent(ctx, pdf, ssn) });
    await finishDelivery(deps.sql, ref.workflowId, contentKey);
    return { externalId: contentKey };
  } catch (err) {
    if (err instanceof PermanentDeliveryError) throw ApplicationFailure.nonRetryable(err.message, FailureType.DeliveryRejected);
    throw err;
  }
}

/** Deterministic for one send: the same stored PDF and invoice give the same payload. */
export function kivraContent(ctx: SendContext, pdf: Buffer, ssn: string): KivraContent {
  const inv = ctx.invoice;
  const amount = Number(inv.total_amount);
  const payable = amount >= KIVRA_MIN_PAYABLE_ORE && inv.currency === 'SEK' && Boolean(ctx.company.bankgiro);
  return {
    ssn,
    // Kivra shows the sender's name beside it; a short subject with no personal data.
    subject: `Faktura ${inv.number}`,
    generated_at: inv.issue_date,
    type: payable ? 'invoice' : 'letter',
    parts: [{ name: `faktura-${String(inv.number).replace(/[^A-Za-z0-9_-]/g, '_')}.pdf`, data: pdf.toString('base64'), content_type: 'application/pdf' }],
    ...(payable
      ? {
          payment_multiple_options: {
            payable: true as const,
            currency: 'SEK' as const,
            method: '1' as const,
            account: ctx.company.bankgiro,
            options: [{ due_date: nextBankDay(inv.due_date), amount: (amount / 100).toFixed(2), type: 'SE_OCR' as const, reference: inv.ocr }],
          },
        }
      : {}),
  };
}
