import { expect } from 'vitest';
import type { Harness } from './harness.js';
import { fixtures, history, waitForStatus } from './fixtures.js';

/**
 * Sends one invoice by e-mail with a short undo window, runs `outage` (stop a part, wait, start
 * it again) while the send is in flight, and checks that it is delivered exactly once.
 */
export async function expectSentOnceThroughOutage(h: Harness, opts: { email: string; undoWindowSeconds: number }, outage: () => Promise<void>) {
  const worker = await h.startWorker();
  try {
    const key = await h.createTenant();
    const f = fixtures(h, key);
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: opts.undoWindowSeconds });
    const inv = await f.invoice(companyId, await f.person({ email: opts.email }));
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    expect(res.json.results[0].accepted).toBe(true);

    await outage();

    await waitForStatus(h, inv.id, 'sent', 90_000);
    expect(h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === opts.email)).toHaveLength(1);
    expect((await history(h, inv.id)).map((e) => e.type)).toEqual(['created', 'send_requested', 'sent']);
  } finally {
    await worker.stop();
  }
}
