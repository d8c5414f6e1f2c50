// Prometheus metrics of this process. prom-client's registry is process-wide by design: each API
// and worker process exposes its own counters and Prometheus adds them up.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Method, SendKind } from '../domain/methods.js';
import type { Rejection } from '../domain/resolve-delivery.js';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** `method="none"` when no method had been chosen (undone in the window, nothing eligible). */
export type DeliveryOutcome = 'sent' | 'failed' | 'undone' | 'bounced';

const deliveries = new Counter({
  name: 'invoice_deliveries_total',
  help: 'Invoice and reminder sends by how they ended',
  labelNames: ['method', 'kind', 'outcome'] as const,
  registers: [registry],
});

const deliverySeconds = new Histogram({
  name: 'invoice_delivery_seconds',
  help: 'From the send request to the delivery, undo window included',
  labelNames: ['method'] as const,
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400],
  registers: [registry],
});

const fallbacks = new Counter({
  name: 'invoice_fallbacks_total',
  help: 'Sends that went by another method than the first one tried, and why',
  labelNames: ['from', 'to', 'reason'] as const,
  registers: [registry],
});

export const sendMetrics = {
  delivered(o: { kind: SendKind; method: Method; requestedAt: Date | null; rejected: Rejection[] }) {
    deliveries.inc({ method: o.method, kind: o.kind, outcome: 'sent' });
    if (o.requestedAt) deliverySeconds.observe({ method: o.method }, Math.max(0, (Date.now() - o.requestedAt.getTime()) / 1000));
    const first = o.rejected[0];
    if (first) fallbacks.inc({ from: first.method, to: o.method, reason: first.code ?? 'unknown' });
  },
  ended(o: { kind: SendKind; method: Method | 'none'; outcome: Exclude<DeliveryOutcome, 'sent'> }) {
    deliveries.inc({ method: o.method, kind: o.kind, outcome: o.outcome });
  },
  /** A bounced e-mail sent again by the company's fallback method. */
  bounceFallback(to: Method) {
    fallbacks.inc({ from: 'email', to, reason: 'bounced' });
  },
};

/** Gauges read from the database at each scrape: served by the API process only, so they are not counted twice. */
export function databaseGauges(o: { pendingByCompany(): Promise<{ companyId: string; pending: number }[]>; stuckPending(): Promise<number> }): Registry {
  const r = new Registry();
  new Gauge({
    name: 'invoice_pending_send',
    help: 'Invoices waiting to be sent (pending_send), by company',
    labelNames: ['company_id'] as const,
    registers: [r],
    async collect() {
      this.reset();
      for (const p of await o.pendingByCompany()) this.set({ company_id: p.companyId }, p.pending);
    },
  });
  new Gauge({
    name: 'invoice_stuck_pending',
    help: 'Invoices pending longer than their undo window plus 15 minutes',
    registers: [r],
    async collect() {
      this.set(await o.stuckPending());
    },
  });
  return r;
}

/** The exposition of these registries, followed by the Temporal SDK's own metrics when it serves them. */
export async function exposition(registries: Registry[], sdkMetricsUrl?: string | null): Promise<string> {
  const own = (await Promise.all(registries.map((r) => r.metrics()))).join('\n');
  if (!sdkMetricsUrl) return own;
  const sdk = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2000) }).then((res) => (res.ok ? res.text() : ''), () => '');
  return `${own}\n${sdk}`;
}

export const EXPOSITION_CONTENT_TYPE = registry.contentType;
