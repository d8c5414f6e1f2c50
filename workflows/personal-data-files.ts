import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

// The outbox and the send cache live with the worker: an erasure (and an export) reaches them
// through this activity. Retried briefly: the API waits for the answer.
const files = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5 },
});

/** The person's data in the outbox files (ids in, paths out: no personal data in the history). */
export async function findPersonalDataFiles(input: { tenantId: string; personId: string }) {
  return files.personalDataFiles({ ...input, erase: false });
}

/** Replaces the person's data in the outbox files and drops their cached send contexts; safe to run again. */
export async function erasePersonalDataFiles(input: { tenantId: string; personId: string }) {
  return files.personalDataFiles({ ...input, erase: true });
}
