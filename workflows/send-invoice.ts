import {
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  ActivityFailure,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { DeliveryPlan } from '../activities/plan-delivery.js';
import {
  creditSignal,
  creditUpdate,
  statusQuery,
  FailureType,
  type SendInput,
  type SendRef,
  type SendStatus,
} from './definitions.js';
import { DeliveryMethodKey, DeliveryOutcomeKey } from './search-attributes.js';

const NON_RETRYABLE = Object.values(FailureType);

// Database bookkeeping: quick, retried until the database is back.
const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
});

// Rendering documents: CPU-bound, a little longer.
const rendering = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
});

// Channels talk to the outside world: an unreachable endpoint is retried with backoff for up to
// two hours (idempotency keys make every retry safe); after that the send fails and is restored.
const channels = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '2 hours',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

function failureOf(err: unknown): { code: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) {
    const last = cause.cause?.message;
    return { code: 'delivery_failed', message: `Delivery kept failing until the retry limit was reached${last ? ` (last error: ${last})` : ''}.` };
  }
  if (cause instanceof ApplicationFailure) {
    return { code: cause.type ?? 'delivery_failed', message: cause.message };
  }
  return { code: 'delivery_failed', message: cause instanceof Error ? cause.message : String(cause) };
}

/**
 * One durable send of one invoice or reminder: undo window → resolve → render → deliver →
 * record; any failure after acceptance is compensated by restoring the invoice exactly.
 */
export async function sendInvoice(input: SendInput): Promise<SendStatus> {
  const ref: SendRef = {
    tenantId: input.tenantId,
    invoiceId: input.invoiceId,
    workflowId: input.workflowId,
    kind: input.kind,
    templateId: input.templateId,
    requestId: input.requestId,
  };
  const status: SendStatus = { phase: 'undo_window', outcome: 'pending', method: null };
  let creditRequested: { reason?: string } | null = null;
  let undoRecorded = false;

  setHandler(statusQuery, () => status);
  setHandler(creditSignal, (credit) => {
    if (status.phase === 'undo_window') creditRequested = credit;
  });
  setHandler(creditUpdate, async (credit) => {
    if (status.phase !== 'undo_window') return { undone: false };
    creditRequested = credit;
    await condition(() => undoRecorded);
    return { undone: true };
  });

  const remainingMs = Date.parse(input.undoUntil) - Date.now();
  if (remainingMs > 0) await condition(() => creditRequested !== null, remainingMs);

  if (creditRequested !== null) {
    await bookkeeping.recordUndone({ ref, reason: (creditRequested as { reason?: string }).reason ?? null });
    undoRecorded = true;
    status.phase = 'done';
    status.outcome = 'undone';
    upsertSearchAttributes([{ key: DeliveryOutcomeKey, value: 'undone' }]);
    return status;
  }

  status.phase = 'delivering';
  let delivered: { plan: DeliveryPlan; documentId: string; externalId: string | null };
  try {
    const plan = await bookkeeping.planDelivery(ref);
    status.method = plan.method;
    upsertSearchAttributes([{ key: DeliveryMethodKey, value: plan.method }]);
    const { documentId } = await rendering.renderDocument({ ref, method: plan.method });
    const deliver = {
      email: channels.deliverEmail,
      own_printer: channels.deliverOwnPrinter,
      central_print: channels.deliverCentralPrint,
      e_invoice: channels.deliverEInvoice,
      autogiro: channels.deliverAutogiro,
    }[plan.method];
    const { externalId } = await deliver({ ref, plan, documentId });
    delivered = { plan, documentId, externalId };
  } catch (err) {
    const failure = failureOf(err);
    await bookkeeping.restoreAfterFailure({ ref, code: failure.code, message: failure.message });
    status.phase = 'done';
    status.outcome = 'failed';
    upsertSearchAttributes([{ key: DeliveryOutcomeKey, value: 'failed' }]);
    // The run shows as failed in the Web UI with the business reason; the invoice is already restored.
    throw ApplicationFailure.nonRetryable(failure.message, failure.code);
  }
  // Delivered: from here on nothing may restore the invoice; recording retries until it succeeds.
  await bookkeeping.recordDelivered({ ref, ...delivered });
  status.phase = 'done';
  status.outcome = 'sent';
  upsertSearchAttributes([{ key: DeliveryOutcomeKey, value: 'sent' }]);
  return status;
}
