import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

// Daily and idempotent (each deleted item is marked done): generous retries, a late run loses nothing.
const retention = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/**
 * Run daily by the `personal-data-retention` schedule: deletes the documents and history kept
 * after an erasure whose retention (seven years after the end of the invoice's year) has ended.
 * `today` for a run asked for by hand; else the day the run started (UTC).
 */
export async function applyPersonalDataRetention(input: { today?: string } = {}): Promise<{ deleted: number }> {
  const today = input.today ?? new Date().toISOString().slice(0, 10);
  let deleted = 0;
  for (;;) {
    const batch = await retention.deleteExpiredRetention({ today });
    deleted += batch.deleted;
    if (batch.fetched < batch.limit) return { deleted };
  }
}
