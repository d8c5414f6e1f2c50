// Messages of the send workflow, defined once for the workflow, the API and the tests.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SendKind } from '../domain/methods.js';

export interface SendRef {
  tenantId: string;
  invoiceId: string;
  workflowId: string;
  kind: SendKind;
  templateId: string | null;
  requestId: string;
}

export interface SendInput extends SendRef {
  invoiceNumber: string;
  companyId: string;
  /** ISO instant the undo window closes; an instant, not a duration, so a restarted start keeps the original window. */
  undoUntil: string;
}

export type SendPhase = 'undo_window' | 'delivering' | 'done';

export interface SendStatus {
  phase: SendPhase;
  outcome: 'pending' | 'sent' | 'undone' | 'failed';
  method: string | null;
}

/** Fire-and-forget crediting event (e.g. from the billing system's event stream). */
export const creditSignal = defineSignal<[{ reason?: string }]>('credit');
/** The same as the signal, answering whether the send was undone; used by POST /credit. */
export const creditUpdate = defineUpdate<{ undone: boolean }, [{ reason?: string }]>('creditAndReport');
export const statusQuery = defineQuery<SendStatus>('status');

/** Error types of business failures: non-retryable, each with a clerk-readable message. */
export const FailureType = {
  NoEligibleMethod: 'NoEligibleMethod',
  InvalidRecipient: 'InvalidRecipient',
  DeliveryRejected: 'DeliveryRejected',
  NoLongerPending: 'NoLongerPending',
} as const;
