import { ActivityFailure, continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { WebhookRef } from '../activities/deliver-webhook.js';

const feed = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// Each event is retried with growing delays for four days (API.md asks for at least three);
// waiting between attempts costs nothing but a timer on the server.
const delivery = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '4 days',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
});

/** How often an endpoint that is up to date looks for new events. */
const IDLE_POLL = '2 seconds';

/**
 * Delivers one endpoint's events, in feed order, one at a time — so one invoice's events arrive in
 * the order they happened. One workflow per endpoint: a dead endpoint waits alone.
 */
export async function deliverWebhooks(ref: WebhookRef): Promise<void> {
  for (let round = 0; round < 200; round++) {
    const next = await feed.nextWebhookEvents(ref);
    if (next.gone) return;
    if (next.events.length === 0) {
      await sleep(IDLE_POLL);
      continue;
    }
    for (const queued of next.events) {
      try {
        if ((await delivery.deliverWebhook({ ...ref, ...queued })) === 'gone') return;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        await feed.giveUpWebhookEvent({ ...ref, ...queued });
      }
    }
  }
  // A fresh history now and then, so an endpoint that lives for years never has a long one.
  await continueAsNew<typeof deliverWebhooks>(ref);
}
