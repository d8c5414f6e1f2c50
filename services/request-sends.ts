import { ulid } from '../platform/ulid.js';
import type { Queryable, Sql } from '../db/client.js';
import { METHOD_LABEL, type Method, type SendKind } from '../domain/methods.js';
import { sendRefusal, type Refusal } from '../domain/send-refusal.js';
import { requestedMethodRefusal } from '../domain/resolve-delivery.js';
import { loadSendContexts } from '../activities/load-send-context.js';
import { resolveManyDeliveries } from './delivery-facts.js';
import type { KivraChannel } from '../channels/kivra.js';
import { markPending, type PendingSend } from '../db/invoice-state.js';
import { stockholmToday } from '../domain/dates.js';
import type { SendInput } from '../domain/send.js';
import { recordRun } from '../db/send-runs.js';
import { idList } from '../db/id-list.js';
import { reminderCharges, type ReminderCharges } from '../domain/reminder-charges.js';
import { formatMoney } from '../documents/labels.js';
import type { SendStarter } from './send-starter.js';

export type SendResult =
  | { invoiceId: string; accepted: true; workflowId: string }
  | { invoiceId: string; accepted: false; error: { code: string; message: string } };

export interface SendServiceDeps {
  sql: Sql;
  /** Starts the accepted sends' workflows; what it does not start, a reconciler does after the lease. */
  starter: Pick<SendStarter, 'enqueue'>;
  /** Asked whether people are Kivra users when a request asks for Kivra; unset: not asked (the send asks). */
  kivra?: Pick<KivraChannel, 'isUser' | 'usersAmong'>;
}

/** The invoices of a request with their companies' settings: what a request-time refusal looks at. */
export async function loadSendCandidates(q: Queryable, tenantId: string, invoiceIds: string[], o: { lock: boolean }) {
  return q`
    SELECT i.id, i.number, i.status, i.company_id, i.due_date, i.reminder_count,
           i.total_amount, i.paid_amount, i.reminder_charges, i.currency,
           c.active_methods, c.reminder_distribution, c.undo_window_seconds,
           c.reminder_fee, c.late_interest_mode, c.reference_rate_percent, c.reference_rate_date
    FROM ${idList(q, invoiceIds)} want
    JOIN invoices i ON i.id = want.id
    JOIN companies c ON c.id = i.company_id AND c.tenant_id = i.tenant_id
    WHERE i.tenant_id = ${tenantId}
    ORDER BY i.id
    ${o.lock ? q`FOR UPDATE OF i` : q``}`;
}

/** Why a request refuses this invoice now (SPEC §4–5), or null: the one rule of the send and its preview. */
export function requestRefusal(kind: SendKind, r: Record<string, any> | undefined, today: string): Refusal | null {
  return sendRefusal(
    kind,
    r && { status: r.status, dueDate: r.due_date, activeMethods: r.active_methods, reminderDistribution: r.reminder_distribution },
    today,
  );
}

/**
 * For a request that asks for a method: the invoices it cannot carry, with the reason
 * (`method_not_eligible`), decided by the planning step's own rule. Read before the request's
 * transaction, so no row stays locked while Kivra is asked; the planning step checks again.
 */
export async function requestedMethodRefusals(
  sql: Queryable,
  tenantId: string,
  o: { invoiceIds: string[]; kind: SendKind; method: Method; kivra?: Pick<KivraChannel, 'isUser' | 'usersAmong'> },
): Promise<Map<string, { code: 'method_not_eligible'; message: string }>> {
  const contexts = await loadSendContexts(sql, tenantId, o.invoiceIds);
  const resolved = await resolveManyDeliveries(sql, tenantId, [...contexts.values()], o.kind, { kivra: o.kivra, requestedMethod: o.method });
  const refusals = new Map<string, { code: 'method_not_eligible'; message: string }>();
  for (const [id, r] of resolved) {
    const refused = requestedMethodRefusal(r.resolution);
    if (refused) refusals.set(id, refused);
  }
  return refusals;
}

function minutes(seconds: number): string {
  if (seconds === 0) return 'no undo window';
  if (seconds % 60 === 0) return `an undo window of ${seconds / 60} min`;
  return `an undo window of ${seconds} s`;
}

function chargesFor(r: Record<string, any>, today: string): ReminderCharges {
  return reminderCharges({
    principal: Number(r.total_amount) - Number(r.paid_amount),
    invoiceDueDate: r.due_date,
    reminderDate: today,
    feeSetting: r.reminder_fee,
    feeAlreadyCharged: r.reminder_charges?.fee ?? null,
    lateInterest: {
      mode: r.late_interest_mode,
      referenceRatePercent: r.reference_rate_percent == null ? null : Number(r.reference_rate_percent),
      referenceRateDate: r.reference_rate_date,
    },
  });
}

/** " (reminder fee 60,00 kr; interest 36,53 kr for 31 days at 10,00 %; 4 398,00 kr to pay by 2026-12-10)" */
function describeCharges(c: ReminderCharges, currency: string): string {
  if (c.fee === 0 && c.interestRatePercent === 0) return '';
  const money = (ore: number) => formatMoney(ore, currency, 'sv');
  const parts = [
    ...(c.fee > 0 ? [`reminder fee ${money(c.fee)}`] : []),
    ...(c.interestRatePercent > 0 ? [`interest ${money(c.interest)} for ${c.interestDays} day${c.interestDays === 1 ? '' : 's'} at ${c.interestRatePercent.toFixed(2)} %`] : []),
    `${money(c.total)} to pay by ${c.dueDate}`,
  ];
  return ` (${parts.join('; ')})`;
}

/**
 * Accepts or refuses each invoice of a send request. Accepted invoices become `pending_send`
 * in one transaction that also records the run and which workflow owns each of them; the
 * workflows are started after the answer by the starter. If the process dies first, a
 * reconciler starts them from the run's items, so no invoice is left pending without an owner.
 */
export async function requestSends(
  deps: SendServiceDeps,
  tenantId: string,
  request: {
    invoiceIds: string[];
    templateId: string | null;
    kind: SendKind;
    /** A send again after a bounced e-mail: its history line, and the fallback method only. */
    afterBounce?: { message: string };
    /** The HTTP request's id, carried into the sends' log lines. */
    httpRequestId?: string | null;
    /** After a failed Autogiro withdrawal: its history line, and the fallback method only. */
    fallbackOnly?: { message: string };
    /** A run id of the caller's: a second request with it changes nothing (a retried activity). */
    runId?: string;
    /** Send by this method instead of the customer's choice: refused (`method_not_eligible`) where it cannot carry the invoice. */
    method?: Method | null;
  },
): Promise<{ runId: string; results: SendResult[] }> {
  const { kind } = request;
  const requestId = request.runId ?? `run_${ulid()}`;
  const today = stockholmToday();
  const decided = new Map<string, SendResult>();
  const starts: SendInput[] = [];

  const method = request.method ?? null;
  const methodRefusals = method
    ? await requestedMethodRefusals(deps.sql, tenantId, { invoiceIds: request.invoiceIds, kind, method, kivra: deps.kivra })
    : new Map<string, Refusal | { code: 'method_not_eligible'; message: string }>();

  await deps.sql.begin(async (tx) => {
    const rows = await loadSendCandidates(tx, tenantId, request.invoiceIds, { lock: true });
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    const accepted: PendingSend[] = [];
    const now = Date.now();

    for (const id of request.invoiceIds) {
      if (decided.has(id)) continue;
      const r = byId.get(id);
      const refused = requestRefusal(kind, r, today) ?? methodRefusals.get(id) ?? null;
      if (refused) {
        decided.set(id, { invoiceId: id, accepted: false, error: refused });
        continue;
      }
      const wf = `${kind === 'reminder' ? 'remind' : 'send'}-${id}-${ulid()}`;
      // A new reminder charges its fee and interest now, at today's date; one sent again after a bounce keeps them.
      const charges = kind === 'reminder' && !request.afterBounce ? chargesFor(r!, today) : null;
      const undoUntil = new Date(now + r!.undo_window_seconds * 1000).toISOString();
      decided.set(id, { invoiceId: id, accepted: true, workflowId: wf });
      accepted.push({
        invoiceId: id,
        workflowId: wf,
        undoUntil,
        reminderCharges: charges,
        message:
          request.afterBounce?.message ??
          request.fallbackOnly?.message ??
          `${kind === 'reminder' ? `Reminder ${r!.reminder_count + 1}` : 'Send'} requested${method ? ` by ${METHOD_LABEL[method]}, chosen for this send instead of the customer's method` : ''}${charges ? describeCharges(charges, r!.currency) : ''}; waiting with ${minutes(r!.undo_window_seconds)} before delivery.`,
      });
      starts.push({
        tenantId,
        invoiceId: id,
        workflowId: wf,
        kind,
        templateId: request.templateId,
        requestId,
        httpRequestId: request.httpRequestId ?? null,
        invoiceNumber: r!.number,
        companyId: r!.company_id,
        undoUntil,
        serverHeldWindow: true,
        ...(method ? { requestedMethod: method } : {}),
      });
    }
    await recordRun(tx, {
      id: requestId,
      tenantId,
      kind,
      companyIds: [...new Set(rows.map((r) => r.company_id as string))],
      total: decided.size,
      refused: decided.size - starts.length,
      sends: starts,
    });
    // After the run, so each send_requested event names its run.
    await markPending(tx, { tenantId, kind, templateId: request.templateId, requestId, today, sends: accepted, afterBounce: Boolean(request.afterBounce), fallbackOnly: Boolean(request.fallbackOnly) });
  });

  deps.starter.enqueue(starts);
  return { runId: requestId, results: request.invoiceIds.map((id) => decided.get(id)!) };
}
