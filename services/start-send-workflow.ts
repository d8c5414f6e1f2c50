import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SendInput } from '../domain/send.js';
import { sendInvoice } from '../workflows/send-invoice.js';
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
  try {
    await t.client.workflow.start(sendInvoice, {
      taskQueue: t.taskQueue,
      workflowId: input.workflowId,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: InvoiceIdKey, value: input.invoiceId },
        { key: InvoiceNumberKey, value: input.invoiceNumber },
        { key: CompanyIdKey, value: input.companyId },
        { key: TenantIdKey, value: input.tenantId },
        { key: SendKindKey, value: input.kind },
        { key: DeliveryOutcomeKey, value: 'pending' },
      ],
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already_started';
    throw err;
  }
}
