import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { applyPaymentFile, paymentFileWorkflowId } from './apply-payment-file.js';

const inbox = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Run by the `payments-inbox` schedule: files dropped in the inbox are stored, then applied each by its own workflow. */
export async function scanPaymentsInbox(o: { dir: string }): Promise<number> {
  const files = await inbox.collectInboxFiles(o);
  for (const f of files) {
    try {
      await startChild(applyPaymentFile, {
        workflowId: paymentFileWorkflowId(f.fileId),
        args: [f],
        // The file's workflow outlives this scan.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (e) {
      // Already applied or being applied (the API or an earlier scan started it).
      if ((e as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw e;
    }
  }
  return files.length;
}
