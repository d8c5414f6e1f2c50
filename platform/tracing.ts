// Traces: one trace follows a send from the HTTP request through its workflow into each activity
// and the SMTP or HTTP call. Exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else off.
import { createRequire } from 'node:module';
import { context, trace, type Context, type Span } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';

const require = createRequire(import.meta.url);
/** Bundled into the workflow code: workflow spans, and the trace context passed on to activities. */
export const workflowTracingModule = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

export interface Tracing {
  enabled: boolean;
  spanProcessor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

/** Registers the process's tracer provider; `exporter` (tests) or the OTLP endpoint, else tracing is off. */
export function startTracing(o: { serviceName: string; exporter?: SpanExporter }): Tracing {
  const resource = new Resource({ 'service.name': o.serviceName });
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!o.exporter && !endpoint) {
    return { enabled: false, spanProcessor: new NoopSpanProcessor(), resource, shutdown: async () => {} };
  }
  const spanProcessor = o.exporter ? new SimpleSpanProcessor(o.exporter) : new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return { enabled: true, spanProcessor, resource, shutdown: () => provider.shutdown() };
}

/** Starts of workflows carry the caller's trace context in their headers. */
export const tracingClientInterceptors = () => ({ workflow: [new OpenTelemetryWorkflowClientInterceptor()] });

/** A worker's part: activity spans under the workflow's, and the sink that exports workflow spans. */
export function workerTracingOptions(tracing: Pick<Tracing, 'spanProcessor' | 'resource'>): Pick<WorkerOptions, 'sinks'> & { activityInterceptors: NonNullable<NonNullable<WorkerOptions['interceptors']>['activity']> } {
  return {
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
    activityInterceptors: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
  };
}

/** The caller's trace context, to run work queued for later (a workflow start) inside it. */
export const activeContext = (): Context => context.active();
export const withContext = <T>(ctx: Context, fn: () => Promise<T>): Promise<T> => context.with(ctx, fn);

const tracer = trace.getTracer('invoice-distribution');

/** Runs `fn` in a span of its own (an SMTP or provider call), recording a failure on it. */
export async function inSpan<T>(name: string, attributes: Record<string, string | number>, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: 2, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}
