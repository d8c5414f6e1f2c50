import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { PaymentFileRef } from '../services/apply-payment-file.js';

// Applying is idempotent record by record, so a retry after a dead worker resumes where it stopped;
// the heartbeat notices a dead worker within seconds.
const payments = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** The one workflow of a received payment file, whoever starts it (the API or an inbox scan). */
export const paymentFileWorkflowId = (fileId: string) => `payment-file-${fileId}`;

/** One durable run per received payment file (workflow id from paymentFileWorkflowId). */
export async function applyPaymentFile(ref: PaymentFileRef): Promise<void> {
  await payments.applyPaymentFile(ref);
}
