// Operations: /metrics counts what happened to sends, the JSON log lines of a send tie the HTTP
// request to its workflow's lines without personal data, and /health says when sends are stuck.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../platform/logger.js';
import { useTestService, type TestService } from './helpers/service.js';
import { waitFor, waitForStatus } from './helpers/fixtures.js';
import { parsePrometheusText, sampleValue } from './helpers/prometheus-text.js';
import { killed, startWorkerProcess } from './helpers/worker-process.js';
import { freePort } from '../platform/free-port.js';

const lines: Record<string, any>[] = [];
const capture = new Writable({
  write(chunk, _enc, done) {
    for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
    done();
  },
});
const logger = createLogger({ name: 'test', level: 'info', destination: capture });

let s: TestService;
useTestService((t) => (s = t), { logger });

async function scrape(token = s.h.adminToken) {
  const res = await s.h.app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('operations', () => {
  it('counts sends by method, kind and outcome on /metrics, with fallbacks, delivery times and pending gauges', async () => {
    const { f, h, key } = s;
    const company = await f.company({ activeMethods: ['email', 'central_print'], defaultMethod: 'email', fallbackMethod: 'central_print' });
    const slow = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 3600 });
    const onlyEmail = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const byEmail = await f.invoice(company, await f.person({ email: 'kund@example.com' }));
    const byPrint = await f.invoice(company, await f.person({ email: null }));
    const failing = await f.invoice(onlyEmail, await f.person({ email: null }));
    const undone = await f.invoice(slow, await f.person({ email: 'angrad@example.com' }));

    for (const inv of [byEmail, byPrint, failing, undone]) {
      expect((await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } })).status).toBe(202);
    }
    await waitForStatus(h, byEmail.id, 'sent');
    await waitForStatus(h, byPrint.id, 'sent');
    await waitFor(async () => (await h.sql`SELECT 1 FROM invoice_history WHERE invoice_id = ${failing.id} AND type = 'send_failed'`).length > 0, { what: 'the failure' });

    // While one waits in its hour-long window, the gauge shows it by company.
    let m = parsePrometheusText((await scrape()).text);
    expect(sampleValue(m, 'invoice_pending_send', { company_id: slow })).toBe(1);
    expect(sampleValue(m, 'invoice_stuck_pending')).toBe(0);

    expect((await h.request('POST', `/v1/invoices/${undone.id}/credit`, { key, body: {} })).status).toBe(200);
    await waitFor(async () => (await h.sql`SELECT 1 FROM invoice_history WHERE invoice_id = ${undone.id} AND type = 'send_undone'`).length > 0, { what: 'the undo' });

    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    m = parsePrometheusText(res.text);
    const deliveries = (labels: Record<string, string>) => sampleValue(m, 'invoice_deliveries_total', labels);
    expect(deliveries({ method: 'email', kind: 'invoice', outcome: 'sent' })).toBe(1);
    expect(deliveries({ method: 'central_print', kind: 'invoice', outcome: 'sent' })).toBe(1);
    expect(deliveries({ method: 'none', kind: 'invoice', outcome: 'failed' })).toBe(1);
    expect(deliveries({ method: 'none', kind: 'invoice', outcome: 'undone' })).toBe(1);
    expect(m.filter((x) => x.name === 'invoice_deliveries_total').reduce((n, x) => n + x.value, 0)).toBe(4);
    expect(sampleValue(m, 'invoice_fallbacks_total', { from: 'email', to: 'central_print', reason: 'no_email' })).toBe(1);
    expect(sampleValue(m, 'invoice_delivery_seconds_count', { method: 'email' })).toBe(1);
    expect(sampleValue(m, 'invoice_delivery_seconds_count', { method: 'central_print' })).toBe(1);
    expect(sampleValue(m, 'invoice_pending_send', { company_id: slow })).toBe(0);
    // HTTP requests by route and status, and the Temporal SDK's own worker metrics.
    expect(sampleValue(m, 'http_requests_total', { method: 'POST', route: '/v1/invoices/send', status: '202' })).toBe(4);
    expect(m.some((x) => x.name.startsWith('temporal_') && x.name.includes('slots'))).toBe(true);
    // No tenant data in label values: ids, methods and codes only.
    expect(res.text).not.toMatch(/@example\.com/);

    expect((await scrape('not-the-token')).status).toBe(401);
  });

  it('says "degraded" on /health, with the reason, while an invoice is stuck pending', async () => {
    const { f, h, key } = s;
    const company = await f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 3600 });
    const inv = await f.invoice(company, await f.person());
    let health = await h.request('GET', '/health');
    expect(health.json).toMatchObject({ status: 'ok', checks: { database: 'ok', temporal: 'ok', workers: 'ok', stuckPending: 0 }, reasons: [] });
    await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    // As if its workflow had not delivered 20 minutes after the window.
    await h.sql`UPDATE invoices SET pending_undo_until = now() - interval '20 minutes' WHERE id = ${inv.id}`;
    health = await h.request('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.json.status).toBe('degraded');
    expect(health.json.checks.stuckPending).toBe(1);
    expect(health.json.reasons).toEqual(['1 invoice(s) pending more than 15 minutes past their undo window.']);
    expect(sampleValue(parsePrometheusText((await scrape()).text), 'invoice_stuck_pending')).toBe(1);
    expect((await h.request('GET', '/health/ready')).json).toEqual({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
    await h.request('POST', `/v1/invoices/${inv.id}/credit`, { key, body: {} });
    expect((await h.request('GET', '/health')).json.status).toBe('ok');
  });

  it('logs a send as JSON lines: the request id ties the HTTP line to the workflow’s lines, and no e-mail address appears', async () => {
    const { f, h, key } = s;
    const company = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const inv = await f.invoice(company, await f.person({ name: 'Greta Garbo', email: 'greta@example.com' }));
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    const requestId = res.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^req_[0-9A-Z]{26}$/);
    await waitForStatus(h, inv.id, 'sent');
    const mine = await waitFor(async () => {
      const tied = lines.filter((l) => l.requestId === requestId);
      return tied.some((l) => l.msg === 'delivered') ? tied : null;
    }, { what: 'the delivered line' });

    const http = mine.find((l) => l.msg === 'Request completed')!;
    expect(http).toMatchObject({ level: 'info', req: { method: 'POST', path: '/v1/invoices/send' }, res: { status: 202 }, route: '/v1/invoices/send', sendRunId: res.json.runId });
    expect(http.tenantId).toMatch(/^ten_/);
    const workflowId = res.json.results[0].workflowId;
    const planned = mine.find((l) => l.msg === 'delivery planned')!;
    const delivered = mine.find((l) => l.msg === 'delivered')!;
    for (const l of [planned, delivered]) {
      expect(l).toMatchObject({ workflowId, invoiceId: inv.id, tenantId: http.tenantId, sendRunId: res.json.runId, requestId, method: 'email' });
      expect(typeof l.time).toBe('string');
    }
    const all = JSON.stringify(lines);
    expect(all).not.toContain('greta@example.com');
    expect(all).not.toContain('Greta Garbo');
    expect(all).not.toContain(key);
  });

  it('a worker process serves its own metrics on METRICS_PORT: its counters and the Temporal SDK’s worker metrics', async () => {
    const port = await freePort();
    const child = await startWorkerProcess(s.h, { env: { METRICS_PORT: String(port) } });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('# TYPE invoice_deliveries_total counter');
      const m = parsePrometheusText(text);
      expect(sampleValue(m, 'temporal_worker_task_slots_available', { task_queue: s.h.taskQueue, worker_type: 'ActivityWorker' })).toBe(50);
      expect(m.some((x) => x.name === 'process_cpu_user_seconds_total')).toBe(true);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      await killed(child);
    }
  });
});
