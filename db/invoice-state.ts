// The one owner of an invoice's status. Every transition — pending, delivered, undone, restored,
// credited, paid — happens here, in one transaction with the history line that tells it.
// Callers say what happened; none of them writes `UPDATE invoices SET status` itself.
import type { Queryable, Sql } from './client.js';
import { appendHistory } from './history.js';
import { settleRunItem } from './send-runs.js';
import { METHOD_LABEL, STATUS_LABEL, type InvoiceStatus, type Method, type SendKind } from '../domain/methods.js';
import { describeRejections, type Rejection } from '../domain/resolve-delivery.js';
import type { SendRef } from '../domain/send.js';
import type { ReminderCharges } from '../domain/reminder-charges.js';
import { sendMetrics } from '../platform/metrics.js';

/** Forgets the send in flight and what it would have restored. */
const clearPendingSend = (sql: Queryable) => sql`
  pending_workflow_id = NULL, pending_kind = NULL, pending_template_id = NULL, pending_request_id = NULL,
  pending_since = NULL, pending_undo_until = NULL, pending_after_bounce = false, pending_fallback_only = false,
  previous_status = NULL, previous_reminder_count = NULL, previous_reminder_date = NULL,
  previous_reminder_charges = NULL, updated_at = now()`;

/** Gives a reminder that never went out its count and date back; leaves an invoice send as it is. */
const restoreReminderCounters = (sql: Queryable) => sql`
  reminder_count = CASE WHEN pending_kind = 'reminder' THEN previous_reminder_count ELSE reminder_count END,
  reminder_date = CASE WHEN pending_kind = 'reminder' THEN previous_reminder_date ELSE reminder_date END,
  reminder_charges = CASE WHEN pending_kind = 'reminder' THEN previous_reminder_charges ELSE reminder_charges END`;

/** A central-print reservation of the send in flight that never completed is given back. */
const releaseCentralPrint = (sql: Queryable) => sql`
  central_print_count = central_print_count - (
    SELECT count(*) FROM deliveries d
    WHERE d.workflow_id = invoices.pending_workflow_id AND d.method = 'central_print' AND d.state = 'started')::int`;

const sentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export interface PendingSend {
  invoiceId: string;
  workflowId: string;
  undoUntil: string;
  message: string;
  /** A new reminder's fee, interest and due date; null keeps what the invoice has. */
  reminderCharges?: ReminderCharges | null;
}

/** Accepted sends become `pending_send`, each owned by its workflow id, remembering what to restore. */
export async function markPending(
  tx: Queryable,
  o: {
    tenantId: string;
    kind: SendKind;
    templateId: string | null;
    requestId: string;
    today: string;
    sends: PendingSend[];
    /** The same invoice or reminder again, because its e-mail bounced: no new reminder is counted. */
    afterBounce?: boolean;
    /** Because an Autogiro withdrawal failed: by the company's fallback method only. */
    fallbackOnly?: boolean;
  },
): Promise<void> {
  if (o.sends.length === 0) return;
  const afterBounce = o.afterBounce === true;
  const ids = o.sends.map((s) => s.invoiceId);
  const wfs = o.sends.map((s) => s.workflowId);
  await tx`
    UPDATE invoices i SET
      previous_status = i.status,
      previous_reminder_count = i.reminder_count,
      previous_reminder_date = i.reminder_date,
      previous_reminder_charges = i.reminder_charges,
      reminder_charges = coalesce(u.charges::jsonb, i.reminder_charges),
      reminder_count = CASE WHEN ${o.kind} = 'reminder' AND NOT ${afterBounce} THEN i.reminder_count + 1 ELSE i.reminder_count END,
      reminder_date = CASE WHEN ${o.kind} = 'reminder' AND NOT ${afterBounce} THEN ${o.today}::date ELSE i.reminder_date END,
      pending_after_bounce = ${afterBounce},
      pending_fallback_only = ${o.fallbackOnly === true},
      status = 'pending_send',
      pending_workflow_id = u.wf,
      pending_kind = ${o.kind},
      pending_template_id = ${o.templateId},
      pending_request_id = ${o.requestId},
      pending_since = now(),
      pending_undo_until = u.until,
      updated_at = now()
    FROM unnest(${ids}::text[], ${wfs}::text[], ${o.sends.map((s) => s.undoUntil)}::timestamptz[],
                ${o.sends.map((s) => (s.reminderCharges ? JSON.stringify(s.reminderCharges) : null))}::text[]) AS u(id, wf, until, charges)
    WHERE i.id = u.id AND i.tenant_id = ${o.tenantId}`;
  await tx`
    INSERT INTO invoice_history (tenant_id, invoice_id, type, message, workflow_id)
    SELECT ${o.tenantId}, u.id, ${afterBounce ? 'bounce_fallback' : o.kind === 'reminder' ? 'reminder_requested' : 'send_requested'}, u.message, u.wf
    FROM unnest(${ids}::text[], ${o.sends.map((s) => s.message)}::text[], ${wfs}::text[]) AS u(id, message, wf)`;
}

export interface Delivered {
  ref: SendRef;
  method: Method;
  recipient: string;
  rejected: Rejection[];
  externalId: string | null;
}

/** Delivered: status `sent` (or back to `reminder`), with when, to whom, how, and why not the first choice. */
/** True when this call recorded the delivery (false: a retry found it recorded). */
export async function markDelivered(sql: Sql, d: Delivered): Promise<boolean> {
  const { ref } = d;
  const isReminder = ref.kind === 'reminder';
  const recorded = await sql.begin(async (tx) => {
    const lastDelivery = { method: d.method, recipient: d.recipient, at: new Date().toISOString() };
    const [updated] = await tx`
      UPDATE invoices SET
        status = ${isReminder ? 'reminder' : 'sent'},
        last_delivery = ${tx.json(lastDelivery)},
        ${clearPendingSend(tx)}
      FROM (SELECT pending_since FROM invoices WHERE id = ${ref.invoiceId} AND tenant_id = ${ref.tenantId}) AS before
      WHERE id = ${ref.invoiceId} AND tenant_id = ${ref.tenantId} AND pending_workflow_id = ${ref.workflowId}
      RETURNING reminder_count, before.pending_since`;
    const what = isReminder ? (updated ? `Reminder ${updated.reminder_count}` : 'Reminder') : 'Invoice';
    let message = `${what} sent by ${METHOD_LABEL[d.method]} to ${d.recipient}.`;
    if (d.rejected.length > 0) message += ` Not the first choice: ${describeRejections(d.rejected)}.`;
    if (ref.requestedMethod === d.method) message += ' The method was chosen in the send request, instead of the customer\'s.';
    if (d.externalId) {
      const where = { own_printer: 'Added to print batch', central_print: 'Print job', e_invoice: 'Pagero document', autogiro: 'Withdrawal added to payment file' } as Partial<Record<Method, string>>;
      if (where[d.method]) message += ` ${where[d.method]} ${d.externalId}.`;
    }
    if (!updated) message += ' The invoice had changed meanwhile, so its status was left as it is.';
    const wrote = await appendHistory(tx, {
      tenantId: ref.tenantId,
      invoiceId: ref.invoiceId,
      type: isReminder ? 'reminder_sent' : 'sent',
      message,
      method: d.method,
      recipient: d.recipient,
      workflowId: ref.workflowId,
      dedupeKey: `${ref.workflowId}:delivered`,
    });
    // Last, so the run's completion follows the entry that completed it.
    await settleRunItem(tx, ref.workflowId, 'sent');
    return wrote ? { requestedAt: updated?.pending_since ? new Date(updated.pending_since) : null } : null;
  });
  // Counted once, however often a retried activity records the same delivery.
  if (recorded) sendMetrics.delivered({ kind: ref.kind, method: d.method, requestedAt: recorded.requestedAt, rejected: d.rejected });
  return recorded !== null;
}

/**
 * Credited inside the undo window: nothing is delivered and the invoice becomes credited. Only
 * while this send still owns the invoice: a credit made directly meanwhile has said it all.
 */
export async function markUndone(sql: Sql, o: { ref: SendRef; reason: string | null }): Promise<boolean> {
  const { ref } = o;
  const undoneNow = await sql.begin((tx) => undoIn(tx, { tenantId: ref.tenantId, invoiceId: ref.invoiceId, workflowId: ref.workflowId, kind: ref.kind, reason: o.reason }));
  if (undoneNow) sendMetrics.ended({ kind: ref.kind, method: 'none', outcome: 'undone' });
  return undoneNow;
}

async function undoIn(
  tx: Queryable,
  o: { tenantId: string; invoiceId: string; workflowId: string; kind: SendKind; reason: string | null },
): Promise<boolean> {
  const [undone] = await tx`
    UPDATE invoices SET status = 'credited',
      ${restoreReminderCounters(tx)},
      ${releaseCentralPrint(tx)},
      ${clearPendingSend(tx)}
    WHERE id = ${o.invoiceId} AND tenant_id = ${o.tenantId} AND pending_workflow_id = ${o.workflowId}
    RETURNING id`;
  if (undone) {
    await appendHistory(tx, {
      tenantId: o.tenantId,
      invoiceId: o.invoiceId,
      type: 'send_undone',
      message: `The ${o.kind === 'reminder' ? 'reminder' : 'send'} was undone: the invoice was credited within the undo window, so nothing was delivered.${o.reason ? ` Reason: ${o.reason}` : ''}`,
      workflowId: o.workflowId,
      dedupeKey: `${o.workflowId}:undone`,
    });
  }
  await settleRunItem(tx, o.workflowId, 'undone');
  return Boolean(undone);
}

export type CreditSendOutcome =
  | { kind: 'not_found' }
  | { kind: 'conflict'; status: InvoiceStatus }
  /** The send waiting for the invoice had not begun its delivery: it is undone, nothing went out. */
  | { kind: 'undone'; workflowId: string }
  | { kind: 'credited' }
  /** With `deferIfBegun`: the delivery had begun; nothing was changed, the send credits once it ends. */
  | { kind: 'begun' };

/**
 * A credit, decided where the delivery decides: under the invoice's row lock, which a channel
 * takes to begin a delivery (activities/deliveries.ts). A send whose delivery has not begun is
 * undone — whether its workflow waits for its start, is starting, or is planning — and can no
 * longer begin; one that has begun is not recalled and the invoice is credited after it. So the
 * answer `undone` is true exactly when nothing went out, whatever the timing.
 */
export async function creditSend(
  sql: Sql,
  o: { tenantId: string; invoiceId: string; reason: string | null; workflowId?: string; deferIfBegun?: boolean },
): Promise<CreditSendOutcome> {
  // `calledOff`: the kind of the send this credit ended without a delivery, for the metric.
  const { outcome, calledOff } = await sql.begin(async (tx): Promise<{ outcome: CreditSendOutcome; calledOff?: SendKind | null }> => {
    const [inv] = await tx`
      SELECT status, pending_workflow_id, pending_kind FROM invoices WHERE id = ${o.invoiceId} AND tenant_id = ${o.tenantId} FOR UPDATE`;
    if (!inv) return { outcome: { kind: 'not_found' } };
    if (inv.status === 'credited' || inv.status === 'paid') return { outcome: { kind: 'conflict', status: inv.status } };
    let inFlight: InFlightNote = 'no_answer';
    if (inv.status === 'pending_send' && inv.pending_workflow_id && (!o.workflowId || o.workflowId === inv.pending_workflow_id)) {
      const [begun] = await tx`SELECT 1 FROM deliveries WHERE workflow_id = ${inv.pending_workflow_id}`;
      if (!begun) {
        await undoIn(tx, { tenantId: o.tenantId, invoiceId: o.invoiceId, workflowId: inv.pending_workflow_id, kind: inv.pending_kind, reason: o.reason });
        return { outcome: { kind: 'undone', workflowId: inv.pending_workflow_id }, calledOff: inv.pending_kind };
      }
      if (o.deferIfBegun) return { outcome: { kind: 'begun' } };
      inFlight = 'undo_passed';
    }
    const settled = await settleIn(
      tx, o.tenantId, o.invoiceId, 'credited',
      (wasPending) => ({ message: creditMessage({ inFlight, reason: o.reason, wasPending }), dedupeKey: null }),
      inFlight !== 'undo_passed',
    );
    return settled.kind === 'done' ? { outcome: { kind: 'credited' }, calledOff: settled.calledOff } : { outcome: settled };
  });
  if (calledOff) sendMetrics.ended({ kind: calledOff, method: 'none', outcome: 'undone' });
  return outcome;
}

/** Compensation: put the invoice back exactly as it was before the request and say why. */
export async function restoreAfterFailure(
  sql: Sql,
  o: { ref: SendRef; code: string; message: string; onlyIfPending?: boolean },
): Promise<boolean> {
  const { ref } = o;
  const isReminder = ref.kind === 'reminder';
  let failedBy: Method | 'none' | null = null;
  const result = await sql.begin(async (tx) => {
    const [restored] = await tx`
      UPDATE invoices SET status = previous_status,
        ${releaseCentralPrint(tx)},
        ${restoreReminderCounters(tx)},
        ${clearPendingSend(tx)}
      WHERE id = ${ref.invoiceId} AND tenant_id = ${ref.tenantId} AND pending_workflow_id = ${ref.workflowId}
      RETURNING status, reminder_count, reminder_date`;
    if (!restored && o.onlyIfPending) {
      await settleRunItem(tx, ref.workflowId, 'failed');
      return false;
    }
    const what = isReminder ? 'The reminder could not be sent' : 'The invoice could not be sent';
    const counters = restored && isReminder
      ? ` with ${plural(restored.reminder_count, 'reminder')} sent${restored.reminder_date ? `, the last on ${restored.reminder_date}` : ''}`
      : '';
    const after = restored ? ` The invoice is back to status "${STATUS_LABEL[restored.status as InvoiceStatus]}"${counters}.` : '';
    const wrote = await appendHistory(tx, {
      tenantId: ref.tenantId,
      invoiceId: ref.invoiceId,
      type: isReminder ? 'reminder_failed' : 'send_failed',
      message: `${what}: ${sentence(o.message)}${after}`,
      workflowId: ref.workflowId,
      error: o.code,
      dedupeKey: `${ref.workflowId}:failed`,
    });
    if (wrote) {
      // The method whose delivery failed, if one had been tried.
      const [tried] = await tx`SELECT method FROM deliveries WHERE workflow_id = ${ref.workflowId} LIMIT 1`;
      failedBy = (tried?.method as Method | undefined) ?? 'none';
    }
    await settleRunItem(tx, ref.workflowId, 'failed');
    return Boolean(restored);
  });
  if (failedBy) sendMetrics.ended({ kind: ref.kind, method: failedBy, outcome: 'failed' });
  return result;
}

export type SettleOutcome = { kind: 'not_found' } | { kind: 'conflict'; status: InvoiceStatus } | { kind: 'done' };

/**
 * Why a credit or payment did not stop a send in flight, as the history should say it:
 * `undo_passed` the send's workflow answered that delivery had begun; `no_answer` it did not
 * answer; `after_send` / `after_failed_send` the send's own workflow credits once it has finished.
 */
export type InFlightNote = 'undo_passed' | 'no_answer' | 'after_send' | 'after_failed_send';

/** Credits the invoice (never a credited or paid one); a send in flight is given up and its reservations released. */
export async function credit(
  sql: Sql,
  o: { tenantId: string; invoiceId: string; reason: string | null; inFlight: InFlightNote; workflowId?: string },
): Promise<SettleOutcome> {
  return settle(sql, o.tenantId, o.invoiceId, 'credited', (wasPending) => ({
    message: creditMessage({ inFlight: o.inFlight, reason: o.reason, wasPending }),
    dedupeKey: o.workflowId ? `${o.workflowId}:credited` : null,
  }));
}

function creditMessage(o: { inFlight: InFlightNote; reason: string | null; wasPending: boolean }): string {
  let note = '';
  if (o.inFlight === 'after_send') note = ' The credit came after the undo window, when the delivery had already begun, so it could not be recalled.';
  else if (o.inFlight === 'after_failed_send') note = ' The credit came after the undo window; the send had failed, so nothing was delivered.';
  else if (o.wasPending && o.inFlight === 'undo_passed') note = ' The undo window had passed, so the delivery already under way was not recalled.';
  else if (o.wasPending) note = ' The send waiting to go out will not be delivered unless its delivery had already begun.';
  return `Invoice credited.${note}${o.reason ? ` Reason: ${o.reason}` : ''}`;
}

/** Marks the invoice paid; a send in flight sees it before delivering and stops. */
export async function markPaid(sql: Sql, o: { tenantId: string; invoiceId: string; paidAt: string | null }): Promise<SettleOutcome> {
  return settle(sql, o.tenantId, o.invoiceId, 'paid', (wasPending, kind) => ({
    message: `Invoice marked as paid${o.paidAt ? ` on ${o.paidAt}` : ''}.${wasPending ? ` The ${kind === 'reminder' ? 'reminder' : 'send'} waiting to go out will not be delivered if it has not started.` : ''}`,
    dedupeKey: null,
  }));
}

async function settle(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
  status: 'credited' | 'paid',
  describe: (wasPending: boolean, kind: SendKind | null) => { message: string; dedupeKey: string | null },
): Promise<SettleOutcome> {
  const outcome = await sql.begin((tx) => settleIn(tx, tenantId, invoiceId, status, describe));
  // A credit calls a pending send off (undone); a payment is not a delivery outcome.
  if (outcome.kind === 'done' && outcome.calledOff && status === 'credited') sendMetrics.ended({ kind: outcome.calledOff, method: 'none', outcome: 'undone' });
  return outcome.kind === 'done' ? { kind: 'done' } : outcome;
}

async function settleIn(
  tx: Queryable,
  tenantId: string,
  invoiceId: string,
  status: 'credited' | 'paid',
  describe: (wasPending: boolean, kind: SendKind | null) => { message: string; dedupeKey: string | null },
  /** False when the send in flight has begun its delivery: it settles its run item itself when it ends. */
  callsOffSend = true,
) {
  // The row lock orders concurrent credits and payments: exactly one of them settles the invoice.
  const [before] = await tx`SELECT status, pending_kind, pending_workflow_id FROM invoices WHERE id = ${invoiceId} AND tenant_id = ${tenantId} FOR UPDATE`;
  if (!before) return { kind: 'not_found' } as const;
  if (before.status === 'credited' || before.status === 'paid') return { kind: 'conflict', status: before.status } as const;
  const wasPending = before.status === 'pending_send';
  await tx`
    UPDATE invoices SET status = ${status},
      ${restoreReminderCounters(tx)},
      ${releaseCentralPrint(tx)},
      ${clearPendingSend(tx)}
    WHERE id = ${invoiceId} AND tenant_id = ${tenantId}`;
  const { message, dedupeKey } = describe(wasPending, before.pending_kind);
  await appendHistory(tx, { tenantId, invoiceId, type: status, message, dedupeKey });
  // The send in flight is called off here; should its delivery already be under way, it still counts as sent.
  if (wasPending && callsOffSend) await settleRunItem(tx, before.pending_workflow_id, status === 'credited' ? 'undone' : 'failed');
  return { kind: 'done', calledOff: wasPending && callsOffSend ? (before.pending_kind as SendKind) : null } as const;
}

const kronor = (ore: number) => `${(ore / 100).toFixed(2)} SEK`;

export type PaymentOutcome =
  | { outcome: 'paid' | 'partially_paid' | 'deduction'; applied: number; surplus: number; number: string }
  | { outcome: 'refused'; reason: string };

/**
 * A payment put on the invoice (a deduction when negative), in the caller's transaction: the
 * amount paid grows, and a payment that covers what is left makes the invoice paid — which
 * stops a send or reminder still waiting, as marking it paid does. More than is left is the
 * surplus, for the caller to report.
 */
export async function recordPayment(
  tx: Queryable,
  o: { tenantId: string; invoiceId: string; amount: number; paidAt: string; source: string; dedupeKey: string },
): Promise<PaymentOutcome> {
  const [inv] = await tx`
    SELECT number, status, total_amount, paid_amount, reminder_charges FROM invoices
    WHERE id = ${o.invoiceId} AND tenant_id = ${o.tenantId} FOR UPDATE`;
  if (!inv) return { outcome: 'refused', reason: 'the invoice no longer exists' };
  if (inv.status === 'credited') return { outcome: 'refused', reason: `invoice ${inv.number} is credited` };
  // What is owed: the invoice, and the fee and interest a reminder of it charged.
  const charges = inv.reminder_charges as ReminderCharges | null;
  const total = Number(inv.total_amount) + (charges ? charges.fee + charges.interest : 0);
  const paid = Number(inv.paid_amount);
  const base = { tenantId: o.tenantId, invoiceId: o.invoiceId, type: 'payment_received' as const };
  if (o.amount < 0) {
    const after = Math.max(0, paid + o.amount);
    await tx`UPDATE invoices SET paid_amount = ${after}, updated_at = now() WHERE id = ${o.invoiceId} AND tenant_id = ${o.tenantId}`;
    await appendHistory(tx, { ...base, message: `A deduction of ${kronor(-o.amount)} was recorded (${o.source}); ${kronor(Math.max(0, total - after))} is left to pay.`, dedupeKey: o.dedupeKey });
    return { outcome: 'deduction', applied: after - paid, surplus: 0, number: inv.number };
  }
  if (inv.status === 'paid' || paid >= total) return { outcome: 'refused', reason: `invoice ${inv.number} is already paid` };
  const applied = Math.min(o.amount, total - paid);
  const after = paid + applied;
  await tx`UPDATE invoices SET paid_amount = ${after}, paid_at = ${o.paidAt}::date, updated_at = now() WHERE id = ${o.invoiceId} AND tenant_id = ${o.tenantId}`;
  const full = after >= total;
  const surplus = o.amount - applied;
  await appendHistory(tx, {
    ...base,
    message: `Payment of ${kronor(o.amount)} received on ${o.paidAt} (${o.source}); ${full ? `the invoice is paid in full${charges && charges.fee + charges.interest > 0 ? ', with its reminder fee and interest' : ''}` : `${kronor(total - after)} is left to pay`}.${surplus > 0 ? ` ${kronor(surplus)} more than was owed is listed as an unmatched payment.` : ''}`,
    dedupeKey: o.dedupeKey,
  });
  if (full) {
    await settleIn(tx, o.tenantId, o.invoiceId, 'paid', (wasPending, kind) => ({
      message: `Invoice paid on ${o.paidAt}.${wasPending ? ` The ${kind === 'reminder' ? 'reminder' : 'send'} waiting to go out will not be delivered if it has not started.` : ''}`,
      dedupeKey: `${o.dedupeKey}:paid`,
    }));
  }
  return { outcome: full ? 'paid' : 'partially_paid', applied, surplus, number: inv.number };
}
