// Webhook delivery outlives the worker: the worker process that was retrying an endpoint is
// killed (SIGKILL); another one picks the endpoint's workflow up and every event arrives once.
import { expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService } from './helpers/service.js';
import { fixtures, waitFor } from './helpers/fixtures.js';
import { killed, startWorkerProcess } from './helpers/worker-process.js';
import { receiver } from './helpers/webhook-receiver.js';
import { freePort } from '../platform/free-port.js';

let h: Harness;
let key: string;
useTestService((t) => ({ h, key } = t), { worker: false });

it('a worker killed while an endpoint is down: after the restart every event arrives once, in order', async () => {
  const first = await startWorkerProcess(h);
  const port = await freePort();
  let secret = '';
  const r = receiver(port, () => secret);
  let second: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    const ep = (await h.request('POST', '/v1/webhook-endpoints', { key, body: { url: `http://127.0.0.1:${port}/hooks`, events: ['*'] } })).json;
    secret = ep.secret;
    const f = fixtures(h, key);
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 60 });
    const inv = await f.invoice(companyId, await f.person());
    expect((await h.request('POST', `/v1/invoices/${inv.id}/mark-paid`, { key, body: {} })).status).toBe(200);
    await waitFor(async () => (await h.sql`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = ${ep.id}`)[0].n >= 1, {
      timeoutMs: 30_000,
      what: 'a failed attempt by the first worker',
    });
    await killed(first);
    await r.start();
    second = await startWorkerProcess(h);
    await waitFor(async () => r.received.length >= 2, { timeoutMs: 120_000, what: 'both events at the receiver' });
    await new Promise((res) => setTimeout(res, 3000)); // nothing more comes
    expect(r.received.map((e) => [e.type, e.body.invoiceId])).toEqual([['invoice.created', inv.id], ['invoice.paid', inv.id]]);
    expect(r.state.badSignatures).toBe(0);
  } finally {
    await killed(first);
    if (second) await killed(second);
    await r.stop();
  }
});
