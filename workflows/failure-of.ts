// How a failed send is told: the history code and the clerk's message of an activity's failure.
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { FailureType } from '../domain/send.js';

// Failure types as activities named them before history codes followed API.md.
const LEGACY_CODES: Record<string, string> = {
  NoEligibleMethod: FailureType.NoEligibleMethod,
  InvalidRecipient: FailureType.InvalidRecipient,
  DeliveryRejected: FailureType.DeliveryRejected,
  NoLongerPending: FailureType.NoLongerPending,
};

export function failureOf(err: unknown): { code: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) {
    const last = cause.cause?.message;
    return { code: 'delivery_failed', message: `Delivery kept failing until the retry limit was reached${last ? ` (last error: ${last})` : ''}.` };
  }
  if (cause instanceof ApplicationFailure) {
    const type = cause.type ?? FailureType.DeliveryFailed;
    return { code: LEGACY_CODES[type] ?? type, message: cause.message };
  }
  return { code: FailureType.DeliveryFailed, message: cause instanceof Error ? cause.message : String(cause) };
}

