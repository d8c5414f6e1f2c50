// What the send workflow, its activities, the services and the API share about one send.
// Plain types and constants with no imports at runtime, so workflow code, activities and the API
// can all use it without pulling each other in.
import type { Method, SendKind } from './methods.js';

export interface SendRef {
  tenantId: string;
  invoiceId: string;
  workflowId: string;
  kind: SendKind;
  templateId: string | null;
  requestId: string;
  /** The HTTP request that asked for the send (x-request-id), so log lines of the send name it. */
  httpRequestId?: string | null;
  /**
   * The method the send request asked for (`method`), which the planning step uses instead of
   * the customer's choice. Absent in sends that asked for none, and in runs started before it.
   */
  requestedMethod?: Method | null;
}

export interface SendInput extends SendRef {
  invoiceNumber: string;
  companyId: string;
  /** ISO instant the undo window closes; an instant, not a duration, so a restarted start keeps the original window. */
  undoUntil: string;
  /**
   * The run was started with a start delay of what was left of its undo window, and delivers in
   * one activity (workflows/send-after-window.ts). Absent in runs started before that shape.
   */
  serverHeldWindow?: boolean;
}

/** The reference a send's activities carry: the input without what only the start needs. */
export function refOf(input: SendInput): SendRef {
  return {
    tenantId: input.tenantId,
    invoiceId: input.invoiceId,
    workflowId: input.workflowId,
    kind: input.kind,
    templateId: input.templateId,
    requestId: input.requestId,
    httpRequestId: input.httpRequestId ?? null,
    // Only when asked for: a ref without it stays what it was before the field existed.
    ...(input.requestedMethod ? { requestedMethod: input.requestedMethod } : {}),
  };
}

/** A credit of a send in flight. `recorded`: the API already decided it in the database and undid the send. */
export interface CreditRequest {
  reason?: string;
  recorded?: boolean;
}

export type SendPhase = 'undo_window' | 'delivering' | 'done';

export interface SendStatus {
  phase: SendPhase;
  outcome: 'pending' | 'sent' | 'undone' | 'failed';
  method: string | null;
}

/**
 * Error types of failures found during a send: non-retryable, each with a clerk-readable
 * message, and written as they are to the history's `error` (API.md names them in snake_case).
 */
export const FailureType = {
  NoEligibleMethod: 'no_eligible_method',
  InvalidRecipient: 'invalid_recipient',
  DeliveryRejected: 'delivery_rejected',
  DeliveryFailed: 'delivery_failed',
  NoLongerPending: 'no_longer_pending',
} as const;
export type FailureCode = (typeof FailureType)[keyof typeof FailureType];

/** Error types an update handler of the send workflow refuses with. */
export const AlreadyCredited = 'already_credited';
