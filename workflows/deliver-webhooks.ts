import { ActivityFailure, continueAsNew, patched, proxyActivities, sleep } from '@temporalio/workflow';
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

// Up to a hundred events in feed order per activity, each POST at most 10 s: a heartbeat after
// every event tells a dead worker within 30 s. The retries of a batch that fails at its first event
// are that event's: growing delays for four days.
const batches = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  scheduleToCloseTimeout: '4 days',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
});

/** How often an endpoint that is up to date looks for new events. */
const IDLE_POLL = '2 seconds';

/**
 * Delivers one endpoint's events, in feed order, one after another — so one invoice's events arrive in
 * the order they happened. One workflow per endpoint: a dead endpoint waits alone.
 */
export async function deliverWebhooks(ref: WebhookRef): Promise<void> {
  for (let round = 0; round < 200; round++) {
    // Runs from before batches replay the event-per-activity loop below unchanged.
    if (patched('webhook-batches')) {
      try {
        const batch = await batches.deliverWebhookBatch(ref);
        if (batch.gone) return;
        if (batch.delivered === 0) await sleep(IDLE_POLL);
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        // Four days of refusals: the endpoint moves on past the event at its head.
        const head = (await feed.nextWebhookEvents(ref)).events[0];
        if (head) await feed.giveUpWebhookEvent({ ...ref, ...head });
      }
      continue;
    }
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
