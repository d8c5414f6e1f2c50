import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SendInput } from '../domain/send.js';
import { sendInvoice } from '../workflows/send-invoice.js';
import { creditSignal } from '../workflows/definitions.js';
import { CompanyIdKey, DeliveryOutcomeKey, InvoiceIdKey, InvoiceNumberKey, SendKindKey, TenantIdKey } from '../workflows/search-attributes.js';

export interface TemporalDeps {
  client: Client;
  taskQueue: string;
}

/**
 * Starts the workflow that owns a pending invoice. The workflow id was chosen and stored with
 * the pending status, so starting twice is harmless: the second start is rejected as a duplicate.
 */
export async function startSendWorkflow(t: TemporalDeps, input: SendInput): Promise<'started' | 'already_started'> {
  // The server holds the undo window: the run starts when what is left of it has passed.
  const left = Date.parse(input.undoUntil) - Date.now();
  try {
    await t.client.workflow.start(sendInvoice, {
      ...startOptions(t, input),
      ...(input.serverHeldWindow && left > 0 ? { startDelay: left } : {}),
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already_started';
    throw err;
  }
}

/**
 * Wakes a send the API has just undone in the database: signal-with-start ends a start delay (a
 * plain signal would wait for it), or starts a run whose start is still owed, so the run ends as
 * undone now instead of at the end of its window. A run that already ended is left alone.
 */
export async function wakeUndoneSend(t: TemporalDeps, input: SendInput, reason: string | null): Promise<void> {
  try {
    await t.client.workflow.signalWithStart(sendInvoice, {
      ...startOptions(t, input),
      signal: creditSignal,
      signalArgs: [{ reason: reason ?? undefined, recorded: true }],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    throw err;
  }
}

function startOptions(t: TemporalDeps, input: SendInput) {
  return {
    taskQueue: t.taskQueue,
    workflowId: input.workflowId,
    args: [input] as [SendInput],
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    typedSearchAttributes: [
      { key: InvoiceIdKey, value: input.invoiceId },
      { key: InvoiceNumberKey, value: input.invoiceNumber },
      { key: CompanyIdKey, value: input.companyId },
      { key: TenantIdKey, value: input.tenantId },
      { key: SendKindKey, value: input.kind },
      { key: DeliveryOutcomeKey, value: 'pending' },
    ],
  };
}
