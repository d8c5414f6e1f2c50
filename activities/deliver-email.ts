import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import { isPermanentSmtpError, type EmailChannel } from '../channels/email.js';
import { isDeliverableEmail } from '../domain/email-address.js';
import { invoiceEmail, LOGO_CID } from '../documents/invoice-email.js';
import { FailureType, type SendRef } from '../domain/send.js';
import { cachedDocument, cachedSendContext, type SendCache } from './send-cache.js';
import { chooseTemplate, inCustomerLanguage } from './render-document.js';
import { beginDelivery, finishDeliveryPersistently } from './deliveries.js';
import { claimDelivery, holdingClaim, newClaimToken } from './delivery-claim.js';
import { verpAddress } from '../domain/verp.js';
import type { DeliveryPlan } from './plan-delivery.js';
import { invoicePageUrl, issueInvoiceLink } from '../services/invoice-links.js';
import { loadConfig } from '../config.js';

export interface EmailDeps {
  sql: Sql;
  email: EmailChannel;
  mailFrom: string;
  bounceAddress?: string;
  afterEmailAccepted?: (workflowId: string) => void;
  cache?: SendCache;
  /** Where customers reach the invoice page (PUBLIC_BASE_URL); unset: the environment's. */
  publicBaseUrl?: string;
}

export async function deliverEmail(
  deps: EmailDeps,
  input: { ref: SendRef; plan: DeliveryPlan; documentId: string },
): Promise<{ externalId: string | null }> {
  const { ref, plan, documentId } = input;
  if (!isDeliverableEmail(plan.recipient)) {
    throw ApplicationFailure.nonRetryable(`"${plan.recipient}" is not a valid e-mail address.`, FailureType.InvalidRecipient);
  }
  const claim = newClaimToken();
  const started = await beginDelivery(deps.sql, ref, { method: 'email', recipient: plan.recipient, documentId, customerName: plan.customerName, plan, claim });
  if (started.alreadyDelivered) return { externalId: started.externalId };
  // A first attempt inserted the record claimed; any later one takes the claim or waits.
  if (!started.firstAttempt) await claimDelivery(deps.sql, ref.workflowId, claim);
  return holdingClaim(deps.sql, ref.workflowId, claim, () => handOver(deps, input));
}

/** Writes the e-mail and hands it to the SMTP server, then records the 250 before anything else. */
async function handOver(deps: EmailDeps, input: { ref: SendRef; plan: DeliveryPlan; documentId: string }): Promise<{ externalId: string | null }> {
  const { ref, plan, documentId } = input;

  const ctx = await cachedSendContext(deps, ref);
  const content = await cachedDocument(deps, ref, documentId);
  const inv = ctx.invoice;
  const template = inCustomerLanguage(await chooseTemplate(deps.sql, ref, 'email'), ctx);
  const lang = template.language;
  const isReminder = ref.kind === 'reminder';
  const domain = deps.mailFrom.split('@')[1] ?? 'localhost';
  // The invoice page's link, made by the attempt that writes the e-mail (services/invoice-links.ts).
  const token = await issueInvoiceLink(deps.sql, { tenantId: ref.tenantId, invoiceId: ref.invoiceId, workflowId: ref.workflowId, documentId, kind: ref.kind, language: lang });
  const pageUrl = invoicePageUrl(deps.publicBaseUrl ?? loadConfig().publicBaseUrl, token);
  const mail = invoiceEmail({
    kind: ref.kind,
    language: lang,
    company: { name: ctx.company.name, bankgiro: ctx.company.bankgiro, hasLogo: ctx.logo !== null },
    invoice: {
      number: inv.number, dueDate: inv.due_date, ocr: inv.ocr, currency: inv.currency, totalAmount: Number(inv.total_amount),
      reminderCount: inv.reminder_count, reminderCharges: inv.reminder_charges ?? null,
    },
    pageUrl,
    accentColor: template.accentColor,
  });
  let sent: { messageId: string };
  try {
    sent = await deps.email.send({
      from: { name: ctx.company.name, address: deps.mailFrom },
      replyTo: isDeliverableEmail(ctx.company.email) ? ctx.company.email : null,
      to: plan.recipient,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      inlineImages: ctx.logo ? [{ cid: LOGO_CID, contentType: ctx.logo.contentType, content: ctx.logo.data }] : [],
      attachment: { filename: `${isReminder ? 'paminnelse' : 'faktura'}-${inv.number}.pdf`, content },
      messageId: `<${ref.workflowId}@${domain}>`,
      envelopeFrom: deps.bounceAddress ? verpAddress(deps.bounceAddress, ref.workflowId) : null,
    });
  } catch (err) {
    if (isPermanentSmtpError(err)) {
      const response = String((err as { response?: string }).response ?? (err as Error).message);
      throw ApplicationFailure.nonRetryable(
        `The e-mail server refused the message to ${plan.recipient}: ${response}`,
        FailureType.DeliveryRejected,
      );
    }
    throw err;
  }
  // Accepted (250): before anything else, record it, so no retry ever sends this e-mail again.
  await finishDeliveryPersistently(deps.sql, ref.workflowId, sent.messageId);
  deps.afterEmailAccepted?.(ref.workflowId);
  return { externalId: sent.messageId };
}
