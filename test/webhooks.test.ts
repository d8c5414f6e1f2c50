import { describe, expect, it } from 'vitest';
import { receiver } from './helpers/webhook-receiver.js';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { waitFor, waitForStatus } from './helpers/fixtures.js';
import { freePort } from '../platform/free-port.js';
import { webhookWorkflowId } from '../services/webhook-workflows.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

async function endpoint(url: string, events: string[] = ['*']) {
  const res = await h.request('POST', '/v1/webhook-endpoints', { key, body: { url, events, description: 'test' } });
  expect(res.status).toBe(201);
  return res.json as { id: string; secret: string };
}

/**
 * An endpoint subscribed to `events` with its receiver (listening unless `down`), handed to `body`;
 * the receiver is stopped afterwards.
 */
async function withReceiver(o: { events?: string[]; down?: boolean }, body: (r: ReturnType<typeof receiver>, ep: { id: string; secret: string }) => Promise<void>) {
  const port = await freePort();
  let secret = '';
  const r = receiver(port, () => secret);
  if (!o.down) await r.start();
  const ep = await endpoint(`http://127.0.0.1:${port}/hooks`, o.events);
  secret = ep.secret;
  try {
    await body(r, ep);
  } finally {
    await r.stop();
  }
}

const deliveries = async (id: string) => (await h.request('GET', `/v1/webhook-endpoints/${id}/deliveries`, { key })).json.items as any[];

describe('webhooks', () => {
  it('receiver down for a while, then up: every event arrives, in order, once per event id, signed', async () => {
    await withReceiver({ down: true }, async (r, ep) => {
      expect(ep.secret).toMatch(/^whsec_/);
      const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
      const inv = await f.invoice(companyId, await f.person({ email: 'hook@example.com' }));
      await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
      await waitForStatus(h, inv.id, 'sent');
      // Nobody listens yet: the attempts fail and are recorded.
      await waitFor(async () => (await deliveries(ep.id)).length >= 1, { timeoutMs: 30_000, what: 'a failed attempt' });
      await r.start();
      const expected = ['invoice.created', 'invoice.send_requested', 'invoice.sent', 'send_run.completed'];
      await waitFor(async () => r.received.length >= expected.length, { timeoutMs: 90_000, what: 'every event at the receiver' });
      expect(r.received.map((e) => e.type)).toEqual(expected);
      expect(new Set(r.received.map((e) => e.id)).size).toBe(expected.length);
      expect(r.state.badSignatures).toBe(0);
      expect(r.received[2].body).toMatchObject({ invoiceId: inv.id, data: { invoice: { status: 'sent' }, history: { type: 'sent' } } });
      // The body is the event of the feed, the header names it.
      const feed = (await h.request('GET', '/v1/events?type=invoice.sent', { key })).json.items.find((e: any) => e.invoiceId === inv.id);
      expect(r.received[2].body).toEqual(feed);
      expect(r.received[2].headers['webhook-id']).toBe(feed.id);
      const log = await deliveries(ep.id);
      const first = log.filter((d) => d.eventType === 'invoice.created').reverse();
      expect(first[0]).toMatchObject({ attempt: 1, succeeded: false, responseStatus: null, error: expect.stringContaining('Could not reach the receiver') });
      expect(first.at(-1)).toMatchObject({ succeeded: true, responseStatus: 204, error: null });
    });
  });

  it('a receiver answering 500 twice, then 200: delivered once, every attempt in the log', async () => {
    await withReceiver({ events: ['webhook.test'] }, async (r, ep) => {
      r.state.failNext = 2;
      const test = await h.request('POST', `/v1/webhook-endpoints/${ep.id}/test`, { key });
      expect(test.status).toBe(202);
      await waitFor(async () => r.received.length === 1, { timeoutMs: 60_000, what: 'the test event' });
      expect(r.received[0]).toMatchObject({ id: test.json.eventId, type: 'webhook.test' });
      // The receiver has the event as soon as it answers; the attempt is logged just after.
      const log = await waitFor(async () => {
        const l = (await deliveries(ep.id)).reverse();
        return l.length === 3 ? l : null;
      }, { what: 'the third attempt in the log' });
      expect(log.map((d) => [d.attempt, d.responseStatus, d.succeeded])).toEqual([[1, 500, false], [2, 500, false], [3, 204, true]]);
      expect(log[0].error).toBe('The receiver answered HTTP 500.');
      // Not part of the public feed.
      expect((await h.request('GET', '/v1/events?type=webhook.test', { key })).json.items).toEqual([]);
    });
  });

  it('a receiver slower than 10 s: the attempt counts as failed and is made again', async () => {
    await withReceiver({ events: ['webhook.test'] }, async (r, ep) => {
      r.state.slowNextMs = 12_000;
      await h.request('POST', `/v1/webhook-endpoints/${ep.id}/test`, { key });
      await waitFor(async () => (await deliveries(ep.id)).some((d) => d.succeeded), { timeoutMs: 90_000, what: 'the delivery after the slow answer' });
      const log = (await deliveries(ep.id)).reverse();
      expect(log[0]).toMatchObject({ attempt: 1, succeeded: false, responseStatus: null, error: 'No answer within 10 s.' });
      expect(log.at(-1)).toMatchObject({ succeeded: true });
    });
  });

  it('an endpoint deleted while its events are queued: nothing more is delivered and its workflow ends', async () => {
    await withReceiver({ down: true }, async (r, ep) => {
      const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 60 });
      await f.invoice(companyId, await f.person());
      await waitFor(async () => (await deliveries(ep.id)).length >= 1, { timeoutMs: 30_000, what: 'a failed attempt' });
      expect((await h.request('DELETE', `/v1/webhook-endpoints/${ep.id}`, { key })).status).toBe(204);
      await r.start();
      const result = await h.client.workflow.getHandle(webhookWorkflowId(ep.id)).result();
      expect(result).toBeUndefined();
      expect(r.state.requests).toBe(0);
      expect((await h.request('GET', `/v1/webhook-endpoints/${ep.id}`, { key })).status).toBe(404);
    });
  });

  it('URLs must be http(s) without credentials, events known; secrets are shown once; other tenants see nothing', async () => {
    const bad = async (body: unknown) => (await h.request('POST', '/v1/webhook-endpoints', { key, body })).json.errors;
    expect(await bad({ url: 'ftp://example.com/x', events: ['*'] })).toEqual([{ path: 'url', message: 'must be an http or https URL' }]);
    expect(await bad({ url: 'https://user:pw@example.com/x', events: ['*'] })).toEqual([{ path: 'url', message: 'must not contain credentials' }]);
    expect((await bad({ url: 'https://example.com/x', events: ['invoice.exploded'] }))[0].path).toBe('events.0');
    const ep = await endpoint('https://example.com/hooks', ['invoice.sent']);
    const got = await h.request('GET', `/v1/webhook-endpoints/${ep.id}`, { key });
    expect(got.json).toEqual({ id: ep.id, url: 'https://example.com/hooks', events: ['invoice.sent'], description: 'test', enabled: true, createdAt: expect.any(String) });
    const paused = await h.request('PATCH', `/v1/webhook-endpoints/${ep.id}`, { key, body: { enabled: false } });
    expect(paused.json.enabled).toBe(false);
    const other = await h.createTenant('Other');
    expect((await h.request('GET', `/v1/webhook-endpoints/${ep.id}`, { key: other })).status).toBe(404);
    expect((await h.request('GET', '/v1/webhook-endpoints', { key: other })).json.items).toEqual([]);
  });
  it('a billing run\'s events go out in batches: sixty queued events in a handful of activities, in feed order, each once', async () => {
    await withReceiver({ events: ['invoice.created'], down: true }, async (r, ep) => {
      const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
      const personId = await f.person({ email: 'batch@example.com' });
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) ids.push((await f.invoice(companyId, personId)).id);
      // Queued behind a receiver that is down; when it comes up they go out together.
      await waitFor(async () => (await deliveries(ep.id)).length >= 1, { timeoutMs: 30_000, what: 'a failed attempt' });
      await r.start();
      await waitFor(async () => r.received.length >= 60, { timeoutMs: 120_000, what: 'sixty events at the receiver' });
      expect(r.received.map((e) => e.body.invoiceId)).toEqual(ids);
      expect(new Set(r.received.map((e) => e.id)).size).toBe(60);
      // One Temporal activity per event held a 10,000-invoice run's events back by half an hour (the soak).
      const history = await h.client.workflow.getHandle(webhookWorkflowId(ep.id)).fetchHistory();
      const scheduled = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n) => n?.startsWith('deliverWebhook'));
      expect(scheduled.length).toBeLessThanOrEqual(5);
    });
  });
});
