import {
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { DeliveryPlan } from '../activities/plan-delivery.js';
import { AlreadyCredited, refOf, type SendInput, type SendStatus } from '../domain/send.js';
import { creditSignal, creditUpdate, statusQuery } from './definitions.js';
import { DeliveryMethodKey, DeliveryOutcomeKey } from './search-attributes.js';
import { failureOf } from './failure-of.js';
import { sendAfterWindow } from './send-after-window.js';
import { BOOKKEEPING, CHANNELS, LOCAL_BOOKKEEPING, NON_RETRYABLE } from './send-policies.js';

const bookkeeping = proxyActivities<Activities>(BOOKKEEPING);

// Rendering documents: CPU-bound, well under a second; a worker that died while rendering is
// noticed when this short limit runs out.
const RENDERING = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
} as const;
const rendering = proxyActivities<Activities>(RENDERING);

// The same bookkeeping and rendering as local activities: run by the worker inside the workflow
// task, so a send costs the server two workflow tasks and one activity instead of five and four.
const localBookkeeping = proxyLocalActivities<Activities>(LOCAL_BOOKKEEPING);
const localRendering = proxyLocalActivities<Activities>({ ...RENDERING, localRetryThreshold: '10 seconds' });

const channels = proxyActivities<Activities>(CHANNELS);

/** Each patch marks a change of the workflow's commands; runs started before it replay without it. */
const Patch = {
  /** A credit signalled after the undo window still credits the invoice once the send has finished. */
  lateCredit: 'credit-after-undo-window',
  /** Plan, render and record run as local activities; the search attributes are set once, at the end. */
  localBookkeeping: 'local-bookkeeping',
} as const;

/**
 * One durable send of one invoice or reminder: undo window → resolve → render → deliver →
 * record; any failure after acceptance is compensated by restoring the invoice exactly.
 *
 * Sends started since the server holds the undo window (`serverHeldWindow` in their input) run
 * `sendAfterWindow`; the code below is kept, unchanged, for runs started before, which must
 * replay and finish under the new code.
 */
export async function sendInvoice(input: SendInput): Promise<SendStatus> {
  if (input.serverHeldWindow) return sendAfterWindow(input);
  const ref = refOf(input);
  const status: SendStatus = { phase: 'undo_window', outcome: 'pending', method: null };
  let creditRequested: { reason?: string } | null = null;
  let lateCredit: { reason?: string } | null = null;
  let undoRecorded = false;
  let undoFailed = false;

  setHandler(statusQuery, () => status);
  setHandler(creditSignal, (credit) => {
    if (status.phase === 'undo_window') creditRequested = credit;
    else if (creditRequested === null) lateCredit ??= credit;
  });
  setHandler(
    creditUpdate,
    async (credit) => {
      if (status.phase !== 'undo_window') return { undone: false };
      creditRequested = credit;
      await condition(() => undoRecorded);
      return { undone: !undoFailed };
    },
    {
      // One credit undoes the send; any other is refused (the API answers it 409).
      validator: (_credit) => {
        if (creditRequested !== null) throw ApplicationFailure.create({ type: AlreadyCredited, message: 'The invoice is already credited.' });
      },
    },
  );

  const remainingMs = Date.parse(input.undoUntil) - Date.now();
  if (remainingMs > 0) await condition(() => creditRequested !== null, remainingMs);

  if (creditRequested !== null) {
    try {
      await bookkeeping.recordUndone({ ref, reason: (creditRequested as { reason?: string }).reason ?? null });
    } catch (err) {
      // Nothing was delivered; the credit could not be recorded, so the invoice goes back as it was.
      const failure = failureOf(err);
      await bookkeeping.restoreAfterFailure({ ref, code: failure.code, message: `The credit could not be recorded: ${failure.message} Nothing was delivered.` });
      undoFailed = true;
      throw ApplicationFailure.nonRetryable(failure.message, failure.code);
    } finally {
      undoRecorded = true;
    }
    status.phase = 'done';
    status.outcome = 'undone';
    upsertSearchAttributes([{ key: DeliveryOutcomeKey, value: 'undone' }]);
    return status;
  }

  status.phase = 'delivering';
  const local = patched(Patch.localBookkeeping);
  const book = local ? localBookkeeping : bookkeeping;
  const render = local ? localRendering : rendering;
  // Runs from before the patch announced the method as soon as it was chosen; newer ones with the outcome.
  const announce = (outcome: 'sent' | 'failed') =>
    upsertSearchAttributes([
      ...(local && status.method ? [{ key: DeliveryMethodKey, value: status.method }] : []),
      { key: DeliveryOutcomeKey, value: outcome },
    ]);
  let delivered: { plan: DeliveryPlan; documentId: string; externalId: string | null };
  try {
    const plan = await book.planDelivery(ref);
    status.method = plan.method;
    if (!local) upsertSearchAttributes([{ key: DeliveryMethodKey, value: plan.method }]);
    const { documentId } = await render.renderDocument({ ref, method: plan.method });
    const deliver = {
      email: channels.deliverEmail,
      own_printer: channels.deliverOwnPrinter,
      central_print: channels.deliverCentralPrint,
      e_invoice: channels.deliverEInvoice,
      autogiro: channels.deliverAutogiro,
      kivra: channels.deliverKivra,
    }[plan.method];
    const { externalId } = await deliver({ ref, plan, documentId });
    delivered = { plan, documentId, externalId };
  } catch (err) {
    const failure = failureOf(err);
    await book.restoreAfterFailure({ ref, code: failure.code, message: failure.message });
    status.phase = 'done';
    status.outcome = 'failed';
    announce('failed');
    await creditIfSignalledLate(false);
    // The run shows as failed in the Web UI with the business reason; the invoice is already restored.
    throw ApplicationFailure.nonRetryable(failure.message, failure.code);
  }
  // Delivered: from here on nothing may restore the invoice. Should recording fail for good, the
  // run fails and the reconciler records the delivery from the deliveries table.
  await book.recordDelivered({ ref, ...delivered });
  status.phase = 'done';
  status.outcome = 'sent';
  announce('sent');
  await creditIfSignalledLate(true);
  return status;

  async function creditIfSignalledLate(wasDelivered: boolean): Promise<void> {
    if (lateCredit !== null && patched(Patch.lateCredit)) {
      await bookkeeping.creditAfterSend({ ref, reason: (lateCredit as { reason?: string }).reason ?? null, delivered: wasDelivered });
    }
  }
}
