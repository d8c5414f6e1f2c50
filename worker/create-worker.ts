import { createRequire } from 'node:module';
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { workerTracingOptions, workflowTracingModule, type Tracing } from '../platform/tracing.js';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Resource } from '@opentelemetry/resources';

const require = createRequire(import.meta.url);
export const workflowsPath = require.resolve('../workflows/index.ts');

/** Bundles the workflow code once; tests share one bundle across workers. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [workflowTracingModule], logger: new DefaultLogger('WARN') });
}

/** Workflow spans go nowhere when tracing is off, but the sink they are exported through exists. */
export const noTracing = { spanProcessor: new NoopSpanProcessor(), resource: new Resource({}) };

export async function createWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle?: WorkflowBundleWithSourceMap;
  tracing?: Pick<Tracing, 'enabled' | 'spanProcessor' | 'resource'>;
}): Promise<Worker> {
  // With tracing off no interceptor runs at all; a ready bundle has the workflow interceptors
  // in it (bundleWorkflows), so its span sink must exist even then.
  const traced = opts.tracing?.enabled === true;
  const tracing = workerTracingOptions(opts.tracing ?? noTracing);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    ...(traced ? { interceptors: { activity: tracing.activityInterceptors, ...(opts.workflowBundle ? {} : { workflowModules: [workflowTracingModule] }) } } : {}),
    ...(traced || opts.workflowBundle ? { sinks: tracing.sinks } : {}),
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: 50,
  });
}
