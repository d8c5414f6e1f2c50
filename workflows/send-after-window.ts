import {
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { refOf, type SendInput, type SendStatus } from '../domain/send.js';
import { CHANNELS, LOCAL_BOOKKEEPING } from './send-policies.js';
import { creditSignal, creditUpdate, statusQuery } from './definitions.js';
import { failureOf } from './failure-of.js';
import { DeliveryMethodKey, DeliveryOutcomeKey } from './search-attributes.js';

// The send: plan, render, deliver and record in one activity, on the channels' policy.
const sending = proxyActivities<Activities>(CHANNELS);
// Bookkeeping off the happy path (a failure restored, a credit signalled), inside the workflow task.
const bookkeeping = proxyLocalActivities<Activities>(LOCAL_BOOKKEEPING);

/**
 * One send whose undo window the Temporal server holds: the run is started with a start delay of
 * what is left of the window, so while it waits no timer, workflow task or worker cache entry
 * exists. A credit inside the window is decided in the database (db/invoice-state.ts `creditSend`)
 * and wakes the run with signal-with-start, which ends the delay; the run then ends as undone.
 *
 * Billable actions of a delivered send: the start, the one activity, and the outcome set as a
 * search attribute once (what is known at start is set at start).
 */
export async function sendAfterWindow(input: SendInput): Promise<SendStatus> {
  const ref = refOf(input);
  const status: SendStatus = { phase: 'delivering', outcome: 'pending', method: null };
  let undoneByCredit = false;
  // A credit signalled by another system (not through the API): decided in the database the same way.
  let signalledCredit: Promise<{ undone: boolean; afterSend: boolean }> | null = null;
  let signalledReason: string | null = null;
  const creditSignalled = (reason: string | null) => {
    signalledReason = reason;
    return (signalledCredit ??= bookkeeping.creditSignalled({ ref, reason }));
  };

  setHandler(statusQuery, () => status);
  setHandler(creditSignal, (credit) => {
    if (credit.recorded) undoneByCredit = true;
    // Failures are handled where the promise is awaited.
    else void creditSignalled(credit.reason ?? null).catch(() => undefined);
  });
  // Runs of this shape are credited through the database; an update from an older API process answers from there.
  setHandler(creditUpdate, async (credit) => ({ undone: (await creditSignalled(credit.reason ?? null)).undone }));

  const end = (outcome: 'sent' | 'undone' | 'failed') => {
    status.phase = 'done';
    status.outcome = outcome;
    upsertSearchAttributes([
      ...(status.method ? [{ key: DeliveryMethodKey, value: status.method }] : []),
      { key: DeliveryOutcomeKey, value: outcome },
    ]);
  };

  // Set by handlers of signals that came with the start; TypeScript cannot see that.
  const early = signalledCredit as Promise<{ undone: boolean }> | null;
  if (!undoneByCredit && early !== null) {
    try {
      if ((await early).undone) undoneByCredit = true;
    } catch (err) {
      // Nothing was delivered; the credit could not be recorded, so the invoice goes back as it was.
      const failure = failureOf(err);
      await bookkeeping.restoreAfterFailure({ ref, code: failure.code, message: `The credit could not be recorded: ${failure.message} Nothing was delivered.` });
      end('failed');
      throw ApplicationFailure.nonRetryable(failure.message, failure.code);
    }
  }
  if (undoneByCredit) {
    end('undone');
    return status;
  }

  try {
    const sent = await sending.sendDocument(ref);
    if (sent.outcome === 'sent') status.method = sent.method;
    end(sent.outcome);
  } catch (err) {
    const failure = failureOf(err);
    await bookkeeping.restoreAfterFailure({ ref, code: failure.code, message: failure.message });
    end('failed');
    await creditAfterSend(false);
    // The run shows as failed in the Web UI with the business reason; the invoice is already restored.
    throw ApplicationFailure.nonRetryable(failure.message, failure.code);
  }
  await creditAfterSend(status.outcome === 'sent');
  return status;

  /** A credit signalled once the delivery had begun is made when the send has ended. */
  async function creditAfterSend(wasDelivered: boolean): Promise<void> {
    const pending = signalledCredit as Promise<{ afterSend: boolean }> | null;
    if (pending === null) return;
    const credit = await pending.catch(() => null);
    if (credit?.afterSend) await bookkeeping.creditAfterSend({ ref, reason: signalledReason, delivered: wasDelivered });
  }
}
