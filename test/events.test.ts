import { describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { waitFor, waitForStatus } from './helpers/fixtures.js';
import { appendHistory } from '../db/history.js';

let h: Harness;
let key: string;
let f: TestService['f'];
useTestService((s) => ({ h, key, f } = s));

type Event = { id: string; type: string; invoiceId: string | null; runId: string | null; data: any };

async function feed(k: string, query = '', from: string | null = null): Promise<Event[]> {
  const items: Event[] = [];
  let after = from;
  for (;;) {
    const res = await h.request('GET', `/v1/events?limit=3${after ? `&after=${after}` : ''}${query}`, { key: k });
    expect(res.status).toBe(200);
    items.push(...res.json.items);
    if (res.json.items.length === 0) return items;
    after = res.json.nextCursor;
  }
}

describe('the event feed', () => {
  it('one event per history entry, in order, with the invoice as it was and the run; send_run.completed once all settled', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 5 });
    const a = await f.invoice(companyId, await f.person({ email: 'a@example.com' }));
    const b = await f.invoice(companyId, await f.person({ email: 'b@example.com' }));
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [a.id, b.id] } });
    const runId = res.json.runId as string;
    expect((await h.request('POST', `/v1/invoices/${b.id}/credit`, { key, body: { reason: 'wrong month' } })).json.undone).toBe(true);
    // The undo window of a runs out; it is delivered.
    await waitForStatus(h, a.id, 'sent', 60_000);
    const events = await waitFor(async () => {
      const all = await feed(key);
      return all.some((e) => e.type === 'send_run.completed') ? all : null;
    }, { timeoutMs: 30_000, what: 'send_run.completed' });

    const of = (id: string) => events.filter((e) => e.invoiceId === id);
    expect(of(a.id).map((e) => e.type)).toEqual(['invoice.created', 'invoice.send_requested', 'invoice.sent']);
    expect(of(b.id).map((e) => e.type)).toEqual(['invoice.created', 'invoice.send_requested', 'invoice.send_undone']);
    // The invoice as it was at each event, and the history entry it announces.
    const [requested, sent] = of(a.id).slice(1);
    expect(requested).toMatchObject({ runId, data: { invoice: { id: a.id, status: 'pending_send' }, history: { type: 'send_requested' } } });
    expect(sent).toMatchObject({ runId, data: { invoice: { id: a.id, status: 'sent', lastDelivery: { method: 'email', recipient: 'a@example.com' } }, history: { type: 'sent', method: 'email' } } });
    expect(of(b.id)[2].data.invoice.status).toBe('credited');
    const completed = events.filter((e) => e.type === 'send_run.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ runId, invoiceId: null, data: { run: { id: runId, accepted: 2, pending: 0, sent: 1, undone: 1 } } });
    expect(events.indexOf(completed[0])).toBeGreaterThan(events.indexOf(sent));

    // Every history row has exactly one event, and paging gave each event once.
    const [{ n }] = await h.sql`SELECT count(*)::int AS n FROM invoice_history WHERE invoice_id = ANY(${[a.id, b.id]}::text[])`;
    expect(of(a.id).length + of(b.id).length).toBe(n);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    const onlySent = await feed(key, '&type=invoice.sent,send_run.completed');
    expect(onlySent.filter((e) => [a.id, b.id].includes(e.invoiceId!) || e.runId === runId).map((e) => e.type)).toEqual(['invoice.sent', 'send_run.completed']);
  });

  it('nothing for what did not happen: a rolled-back history entry and a retried one (same dedupe key) give no extra event', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 30 });
    const inv = await f.invoice(companyId, await f.person());
    const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${inv.id}`;
    const entry = { tenantId, invoiceId: inv.id, type: 'paid' as const, message: 'x', dedupeKey: `test:${inv.id}` };
    await h.sql.begin(async (tx) => {
      await appendHistory(tx, entry);
      throw new Error('roll back');
    }).catch(() => undefined);
    await appendHistory(h.sql, entry);
    await appendHistory(h.sql, entry);
    const mine = await waitFor(async () => {
      const items = (await feed(key)).filter((e) => e.invoiceId === inv.id);
      return items.some((e) => e.type === 'invoice.paid') ? items : null;
    }, { timeoutMs: 30_000, what: 'the paid event' });
    expect(mine.map((e) => e.type)).toEqual(['invoice.created', 'invoice.paid']);
  });

  it('an event of a transaction still open holds back those committed after it, so a cursor never passes it', async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 30 });
    const [first, second] = [await f.invoice(companyId, await f.person()), await f.invoice(companyId, await f.person())];
    const [{ tenant_id: tenantId }] = await h.sql`SELECT tenant_id FROM invoices WHERE id = ${first.id}`;
    const before = await waitFor(async () => {
      const items = await feed(key);
      return items.some((e) => e.invoiceId === second.id) ? items.at(-1)!.id : null;
    }, { timeoutMs: 30_000, what: 'the created events' });
    let commit!: () => void;
    const held = new Promise<void>((r) => (commit = r));
    let written!: () => void;
    const inside = new Promise<void>((r) => (written = r));
    const slow = h.sql.begin(async (tx) => {
      await appendHistory(tx, { tenantId, invoiceId: first.id, type: 'email_updated', message: 'slow' });
      written();
      await held;
    });
    await inside;
    await appendHistory(h.sql, { tenantId, invoiceId: second.id, type: 'email_updated', message: 'quick' });
    expect(await feed(key, '', before)).toEqual([]);
    commit();
    await slow;
    // Transaction ids are the whole server's: another database's open transaction may hold the feed a moment longer.
    const after = await waitFor(async () => {
      const items = await feed(key, '', before);
      return items.length === 2 ? items : null;
    }, { timeoutMs: 30_000, what: 'both events in the feed' });
    expect(after.map((e) => e.data.history.message)).toEqual(['slow', 'quick']);
  });

  it("is the tenant's own: another tenant sees none of it, and cannot page from its ids", async () => {
    const companyId = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 30 });
    const inv = await f.invoice(companyId, await f.person());
    const mine = await waitFor(async () => {
      const items = await feed(key);
      return items.some((e) => e.invoiceId === inv.id) ? items : null;
    }, { timeoutMs: 30_000, what: 'the created event' });
    const other = await h.createTenant('Other');
    expect(await feed(other)).toEqual([]);
    const res = await h.request('GET', `/v1/events?after=${mine[0].id}`, { key: other });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ path: 'after', message: 'is not the id of an event in this feed' }]);
    // Ids say nothing about anyone's volume: random, not a sequence shared by all tenants.
    for (const e of mine) expect(e.id).toMatch(/^evt_[0-9a-f]{32}$/);
  });
});
