// Messages of the send workflow, defined once for the workflow, the API and the tests.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CreditRequest, SendStatus } from '../domain/send.js';

export type { CreditRequest, SendInput, SendRef, SendStatus, SendPhase } from '../domain/send.js';

/**
 * A credit: fire-and-forget from another system (decided in the database by the run), or from the
 * API with `recorded` after it undid the send, to end the run's start delay (signal-with-start).
 */
export const creditSignal = defineSignal<[CreditRequest]>('credit');
/** The same as the signal, answering whether the send was undone; POST /credit used it for runs of v1–v4. */
export const creditUpdate = defineUpdate<{ undone: boolean }, [{ reason?: string }]>('creditAndReport');
export const statusQuery = defineQuery<SendStatus>('status');
