// Messages of the send workflow, defined once for the workflow, the API and the tests.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CreditRequest, SendStatus } from '../domain/send.js';

export type { CreditRequest, SendInput, SendRef, SendStatus, SendPhase } from '../domain/send.js';

/** Fire-and-forget crediting event (e.g. from the billing system's event stream). */
export const creditSignal = defineSignal<[CreditRequest]>('credit');
/** The same as the signal, answering whether the send was undone; used by POST /credit. */
export const creditUpdate = defineUpdate<{ undone: boolean }, [{ reason?: string }]>('creditAndReport');
export const statusQuery = defineQuery<SendStatus>('status');
