// One trace follows a send: the HTTP request, the workflow start, the workflow, each activity,
// and the SMTP conversation, seen by an in-memory span exporter.
import { describe, expect, it } from 'vitest';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../platform/tracing.js';
import { useTestService, type TestService } from './helpers/service.js';
import { waitFor, waitForStatus } from './helpers/fixtures.js';

const exporter = new InMemorySpanExporter();
const tracing = startTracing({ serviceName: 'invoice-distribution-test', exporter });

let s: TestService;
useTestService((t) => (s = t), { tracing });

/** The span tree of one trace as indented names, children in start order. */
function tree(spans: ReadableSpan[], root: ReadableSpan, depth = 0): string[] {
  const children = spans.filter((x) => x.parentSpanId === root.spanContext().spanId).sort((a, b) => (a.startTime[0] - b.startTime[0]) || (a.startTime[1] - b.startTime[1]));
  return [`${'  '.repeat(depth)}${root.name}`, ...children.flatMap((c) => tree(spans, c, depth + 1))];
}

describe('tracing', () => {
  it('follows a send from the HTTP request through the workflow and its activities to the SMTP call, in one trace', async () => {
    const { f, h, key } = s;
    const company = await f.company({ activeMethods: ['email'], defaultMethod: 'email' });
    const inv = await f.invoice(company, await f.person({ email: 'spar@example.com' }));
    exporter.reset();
    const res = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [inv.id] } });
    expect(res.status).toBe(202);
    await waitForStatus(h, inv.id, 'sent');

    const spans = await waitFor(async () => {
      const all = exporter.getFinishedSpans();
      return all.some((x) => x.name === 'smtp send') && all.some((x) => x.name === 'RunWorkflow:sendInvoice') ? all : null;
    }, { what: 'the SMTP and workflow spans' });
    const http = spans.find((x) => x.name.includes('/v1/invoices/send'))!;
    expect(http).toBeDefined();
    const traceId = http.spanContext().traceId;
    const inTrace = spans.filter((x) => x.spanContext().traceId === traceId);
    const names = inTrace.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['StartWorkflow:sendInvoice', 'RunWorkflow:sendInvoice', 'RunActivity:sendDocument', 'smtp send']));

    // The SMTP span's ancestors lead back to the HTTP request.
    const byId = new Map(inTrace.map((x) => [x.spanContext().spanId, x]));
    let at: ReadableSpan | undefined = inTrace.find((x) => x.name === 'smtp send');
    const chain: string[] = [];
    while (at) {
      chain.push(at.name);
      at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined;
    }
    expect(chain[0]).toBe('smtp send');
    expect(chain.at(-1)).toBe(http.name);
    expect(chain).toContain('RunActivity:sendDocument');
    console.log(`span tree of one send:\n${tree(inTrace, http).join('\n')}`);
  });
});
