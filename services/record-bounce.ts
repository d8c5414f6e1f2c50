import type { Sql } from '../db/client.js';
import { METHOD_LABEL, REMINDER_METHODS, type Method, type SendKind } from '../domain/methods.js';
import type { DeliveryStatus } from '../channels/delivery-status.js';
import { requestSends } from './request-sends.js';
import type { SendStarter } from './send-starter.js';
import { appendHistory } from '../db/history.js';
import { suppressAddress } from './email-suppressions.js';
import { sendMetrics } from '../platform/metrics.js';

export type BounceOutcome = 'bounced' | 'delayed' | 'duplicate' | 'unmatched';

const sentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);

/**
 * A bounce that came back for an e-mail this service delivered. A permanent one is written to
 * the invoice's history (`delivery_bounced`, with the remote server's reason) and — when the
 * company sends again after bounces and has a fallback method that can take it — the invoice or
 * reminder is sent again by that method (`bounce_fallback`), never by e-mail; the address goes on
 * the company's suppression list, so later sends pass e-mail over for it. The same bounce
 * twice is written and acted on once. A temporary one is only written down.
 */
export async function recordBounce(deps: { sql: Sql; starter: SendStarter; log?: (msg: string) => void }, b: DeliveryStatus): Promise<BounceOutcome> {
  const { sql } = deps;
  const [d] = await sql`
    SELECT d.tenant_id, d.invoice_id, d.recipient, i.company_id, c.bounce_fallback, c.fallback_method, c.active_methods
    FROM deliveries d JOIN invoices i ON i.id = d.invoice_id AND i.tenant_id = d.tenant_id
    JOIN companies c ON c.id = i.company_id AND c.tenant_id = i.tenant_id
    WHERE d.workflow_id = ${b.workflowId} AND d.method = 'email' AND d.state = 'delivered'`;
  if (!d) {
    deps.log?.(`bounce for ${b.workflowId} matches no delivered e-mail; dropped`);
    return 'unmatched';
  }
  const kind: SendKind = b.workflowId.startsWith('remind-') ? 'reminder' : 'invoice';
  const what = kind === 'reminder' ? 'reminder' : 'invoice';
  const base = { tenantId: d.tenant_id as string, invoiceId: d.invoice_id as string, workflowId: b.workflowId, error: b.status };
  if (!b.permanent) {
    const written = await appendHistory(sql, {
      ...base,
      type: 'delivery_delayed',
      message: `The ${what} e-mail to ${d.recipient} is delayed: ${sentence(b.reason)} The receiving server keeps trying; nothing is sent another way.`,
      dedupeKey: `${b.workflowId}:delayed:${b.status}`,
    });
    return written ? 'delayed' : 'duplicate';
  }

  const fallback = d.fallback_method as Method | null;
  const usable =
    fallback !== null && fallback !== 'email' && (d.active_methods as Method[]).includes(fallback) && (kind === 'invoice' || REMINDER_METHODS.includes(fallback));
  let after: string;
  if (!d.bounce_fallback) after = ' Sending again after a bounce is turned off for this company.';
  else if (!usable) after = ` No fallback method is active that can take the ${what}, so it was not sent another way.`;
  else after = ` It is sent again by ${METHOD_LABEL[fallback!]}.`;
  // Written once with the address's place on the company's suppression list: the invoices and
  // reminders e-mailed to it next go by the fallback at once instead of bouncing again.
  const first = await sql.begin(async (tx) => {
    const written = await appendHistory(tx, {
      ...base,
      type: 'delivery_bounced',
      message: `The ${what} e-mail to ${d.recipient} bounced: ${sentence(b.reason)}${after}`,
      dedupeKey: `${b.workflowId}:bounced`,
    });
    if (written) {
      await suppressAddress(tx, { tenantId: d.tenant_id, companyId: d.company_id, email: d.recipient, reason: b.reason, invoiceId: d.invoice_id, workflowId: b.workflowId });
    }
    return written;
  });
  if (!first) return 'duplicate';
  sendMetrics.ended({ kind, method: 'email', outcome: 'bounced' });
  if (d.bounce_fallback && usable) {
    const { results } = await requestSends({ sql, starter: deps.starter }, d.tenant_id, {
      invoiceIds: [d.invoice_id],
      templateId: null,
      kind,
      afterBounce: { message: `Sending the ${what} again by ${METHOD_LABEL[fallback!]}, because the e-mail to ${d.recipient} bounced.` },
    });
    const [r] = results;
    if (r.accepted) sendMetrics.bounceFallback(fallback!);
    if (!r.accepted) {
      await appendHistory(sql, { ...base, type: 'bounce_fallback', message: `The ${what} was not sent again: ${sentence(r.error.message)}`, dedupeKey: `${b.workflowId}:fallback-refused` });
    }
  }
  return 'bounced';
}
