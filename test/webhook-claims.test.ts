// Two attempts of one endpoint's batch at once (a retry Temporal starts after a missed heartbeat
// while the first still posts): the receiver gets each event once. No worker runs here, so the
// attempts below are the only ones.
import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { receiver } from './helpers/webhook-receiver.js';
import type { Harness } from './helpers/harness.js';
import { useTestService } from './helpers/service.js';
import { waitFor } from './helpers/fixtures.js';
import { freePort } from '../platform/free-port.js';
import { deliverWebhookBatch, nextWebhookEvents, type WebhookRef } from '../activities/deliver-webhook.js';
import { DeliveryInProgress } from '../activities/delivery-claim.js';

let h: Harness;
let key: string;
useTestService((s) => ({ h, key } = s), { worker: false });

describe("one attempt at a time posts an endpoint's events", () => {
  it('while the first attempt waits for the receiver, a second finds the claim held and posts nothing; the event arrives once', async () => {
    const port = await freePort();
    let secret = '';
    const r = receiver(port, () => secret);
    await r.start();
    try {
      const created = await h.request('POST', '/v1/webhook-endpoints', { key, body: { url: `http://127.0.0.1:${port}/hooks`, events: ['webhook.test'] } });
      secret = created.json.secret;
      const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM webhook_endpoints WHERE id = ${created.json.id}`;
      const ref: WebhookRef = { endpointId: created.json.id, tenantId };
      expect((await h.request('POST', `/v1/webhook-endpoints/${ref.endpointId}/test`, { key })).status).toBeLessThan(300);
      await waitFor(async () => (await nextWebhookEvents(h.sql, ref)).events.length === 1, { timeoutMs: 30_000, what: 'the test event queued' });
      // The receiver is on loopback, which the production policy refuses.
      const policy = { allowPrivate: true };

      r.state.slowNextMs = 3_000; // the receiver holds its answer to the first post
      const first = new MockActivityEnvironment().run(deliverWebhookBatch, h.sql, ref, policy);
      await waitFor(async () => r.state.requests === 1, { timeoutMs: 10_000, what: 'the first post at the receiver' });
      const second = await new MockActivityEnvironment().run(deliverWebhookBatch, h.sql, ref, policy).catch((e) => e);
      expect(second).toMatchObject({ type: DeliveryInProgress, nonRetryable: false });
      expect(await first).toEqual({ gone: false, delivered: 1 });
      // The next attempt has the claim again and finds nothing left to post.
      expect(await new MockActivityEnvironment().run(deliverWebhookBatch, h.sql, ref, policy)).toEqual({ gone: false, delivered: 0 });
      expect(r.received.map((e) => e.type)).toEqual(['webhook.test']);
      expect(r.state.requests).toBe(1);
      expect(await h.sql`SELECT claimed_by FROM webhook_endpoints WHERE id = ${ref.endpointId}`).toEqual([{ claimed_by: null }]);
    } finally {
      await r.stop();
    }
  });
});
