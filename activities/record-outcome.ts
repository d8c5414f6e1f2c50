import type { Sql } from '../db/client.js';
import { appendHistory } from '../db/history.js';
import { clearPendingSend, restoreReminderCounters } from '../db/pending-send.js';
import { METHOD_LABEL, STATUS_LABEL, type InvoiceStatus } from '../domain/methods.js';
import { describeRejections } from '../domain/resolve-delivery.js';
import type { SendRef } from '../workflows/definitions.js';
import type { DeliveryPlan } from './plan-delivery.js';

/** Delivered: status `sent` (or back to `reminder`), with when, to whom, how, and why not the first choice. */
export async function recordDelivered(
  sql: Sql,
  input: { ref: SendRef; plan: DeliveryPlan; documentId: string; externalId: string | null },
): Promise<void> {
  const { ref, plan } = input;
  const isReminder = ref.kind === 'reminder';
  await sql.begin(async (tx) => {
    const at = new Date().toISOString();
    const lastDelivery = { method: plan.method, recipient: plan.recipient, at };
    const [updated] = await tx`
      UPDATE invoices SET
        status = ${isReminder ? 'reminder' : 'sent'},
        last_delivery = ${tx.json(lastDelivery)},
        ${clearPendingSend(tx)}
      WHERE id = ${ref.invoiceId} AND tenant_id = ${ref.tenantId} AND pending_workflow_id = ${ref.workflowId}
      RETURNING id, reminder_count`;
    const what = isReminder ? (updated ? `Reminder ${updated.reminder_count}` : 'Reminder') : 'Invoice';
    let message = `${what} sent by ${METHOD_LABEL[plan.method]} to ${plan.recipient}.`;
    if (plan.rejected.length > 0) message += ` Not the first choice: ${describeRejections(plan.rejected)}.`;
    if (input.externalId && plan.method === 'own_printer') message += ` Added to print batch ${input.externalId}.`;
    else if (input.externalId && plan.method === 'central_print') message += ` Print job ${input.externalId}.`;
    else if (input.externalId && plan.method === 'e_invoice') message += ` Pagero document ${input.externalId}.`;
    else if (input.externalId && plan.method === 'autogiro') message += ` Withdrawal added to payment file ${input.externalId}.`;
    if (!updated) message += ' The invoice had changed meanwhile, so its status was left as it is.';
    await appendHistory(tx, {
      tenantId: ref.tenantId,
      invoiceId: ref.invoiceId,
      type: isReminder ? 'reminder_sent' : 'sent',
      message,
      method: plan.method,
      recipient: plan.recipient,
      workflowId: ref.workflowId,
      dedupeKey: `${ref.workflowId}:delivered`,
    });
  });
}

/** Credited inside the undo window: nothing is delivered and the invoice becomes credited. */
export async function recordUndone(sql: Sql, input: { ref: SendRef; reason: string | null }): Promise<void> {
  const { ref } = input;
  await sql.begin(async (tx) => {
    await tx`
      UPDATE invoices SET status = 'credited',
        ${restoreReminderCounters(tx)},
        ${clearPendingSend(tx)}
      WHERE id = ${ref.invoiceId} AND tenant_id = ${ref.tenantId} AND pending_workflow_id = ${ref.workflowId}`;
    await appendHistory(tx, {
      tenantId: ref.tenantId,
      invoiceId: ref.invoiceId,
      type: 'send_undone',
      message: `The ${ref.kind === 'reminder' ? 'reminder' : 'send'} was undone: the invoice was credited within the undo window, so nothing was delivered.${input.reason ? ` Reason: ${input.reason}` : ''}`,
      workflowId: ref.workflowId,
      dedupeKey: `${ref.workflowId}:undone`,
    });
  });
}

/** Compensation: put the invoice back exactly as it was before the request and say why. */
export async function restoreAfterFailure(
  sql: Sql,
  input: { ref: SendRef; code: string; message: string; onlyIfPending?: boolean },
): Promise<boolean> {
  const { ref } = input;
  const isReminder = ref.kind === 'reminder';
  return sql.begin(async (tx) => {
    const [restored] = await tx`
      UPDATE invoices SET status = previous_status,
        -- a central-print reservation of a delivery that never completed is given back
        central_print_count = central_print_count - (
          SELECT count(*) FROM deliveries d
          WHERE d.workflow_id = ${ref.workflowId} AND d.method = 'central_print' AND d.state = 'started')::int,
        ${restoreReminderCounters(tx)},
        ${clearPendingSend(tx)}
      WHERE id = ${ref.invoiceId} AND tenant_id = ${ref.tenantId} AND pending_workflow_id = ${ref.workflowId}
      RETURNING status, reminder_count, reminder_date`;
    if (!restored && input.onlyIfPending) return false;
    const what = isReminder ? 'The reminder could not be sent' : 'The invoice could not be sent';
    const counters = restored && isReminder
      ? ` with ${restored.reminder_count} reminder${restored.reminder_count === 1 ? '' : 's'} sent${restored.reminder_date ? `, the last on ${restored.reminder_date}` : ''}`
      : '';
    const after = restored ? ` The invoice is back to status "${STATUS_LABEL[restored.status as InvoiceStatus]}"${counters}.` : '';
    await appendHistory(tx, {
      tenantId: ref.tenantId,
      invoiceId: ref.invoiceId,
      type: isReminder ? 'reminder_failed' : 'send_failed',
      message: `${what}: ${/[.!?]$/.test(input.message) ? input.message : `${input.message}.`}${after}`,
      workflowId: ref.workflowId,
      error: input.code,
      dedupeKey: `${ref.workflowId}:failed`,
    });
    return Boolean(restored);
  });
}
