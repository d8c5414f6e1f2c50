import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { loadConfig } from '../config.js';
import { workerTracingOptions, type Tracing } from '../platform/tracing.js';
import { bundleWorkflowsInChild } from './bundle-workflows.js';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Resource } from '@opentelemetry/resources';
import { paymentsTaskQueue } from '../services/payments-task-queue.js';

/**
 * How long workflow code may run per activation: WORKFLOW_ISOLATE_TIMEOUT, off by default, since the
 * check starts a watchdog thread on every call into the sandbox (0 = none, with
 * patches/@temporalio+worker+1.24.0.patch). Not in WorkerOptions' type, but the SDK takes it: it
 * spreads the options given over its defaults.
 */
export const sandboxOptions = () => ({ isolateExecutionTimeout: loadConfig().workflowIsolateTimeout }) as {};

/** Workflow spans go nowhere when tracing is off, but the sink they are exported through exists. */
export const noTracing = { spanProcessor: new NoopSpanProcessor(), resource: new Resource({}) };

/** What a process runs: the sends' worker and the payment files' worker beside it, started and stopped as one. */
export interface ServiceWorker {
  run(): Promise<void>;
  shutdown(): void;
  getState(): ReturnType<Worker['getState']>;
}

export async function createWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle?: WorkflowBundleWithSourceMap;
  tracing?: Pick<Tracing, 'enabled' | 'spanProcessor' | 'resource'>;
}): Promise<ServiceWorker> {
  // With tracing off no interceptor runs at all; a ready bundle has the workflow interceptors
  // in it (bundleWorkflows), so its span sink must exist even then. Without one the code is
  // bundled by a child process (bundle-workflows.ts), not by Worker.create in this one.
  const traced = opts.tracing?.enabled === true;
  const tracing = workerTracingOptions(opts.tracing ?? noTracing);
  const workflowBundle = opts.workflowBundle ?? (await bundleWorkflowsInChild({ traced }));
  const activities = createActivities(opts.deps);
  const common = {
    connection: opts.connection,
    namespace: opts.namespace,
    workflowBundle,
    ...(traced ? { interceptors: { activity: tracing.activityInterceptors } } : {}),
    ...(traced || opts.workflowBundle ? { sinks: tracing.sinks } : {}),
    activities,
    ...sandboxOptions(),
  };
  const cached = loadConfig().workerCachedWorkflows;
  const sends = await Worker.create({
    ...common,
    taskQueue: opts.taskQueue,
    maxConcurrentActivityTaskExecutions: 50,
    ...(cached !== null ? { maxCachedWorkflows: cached, maxConcurrentWorkflowTaskExecutions: Math.min(40, Math.max(2, cached)) } : {}),
  });
  const payments = await Worker.create({ ...common, taskQueue: paymentsTaskQueue(opts.taskQueue), ...PAYMENTS_WORKER_SIZE });
  return bothWorkers(sends, payments);
}

/** Payment files are few and each applied by one activity: a small worker is plenty. */
export const PAYMENTS_WORKER_SIZE = { maxConcurrentActivityTaskExecutions: 4, maxConcurrentWorkflowTaskExecutions: 2, maxCachedWorkflows: 20 } as const;

/** Two workers as one: run until both stop; a shutdown (or either failing) stops both. */
export function bothWorkers(a: Worker, b: Worker): ServiceWorker {
  const stop = () => {
    for (const w of [a, b]) if (w.getState() === 'RUNNING') w.shutdown();
  };
  return {
    async run() {
      const runs = [a.run(), b.run()];
      runs.forEach((r) => r.catch(stop));
      await Promise.all(runs);
    },
    shutdown: stop,
    getState: () => a.getState(),
  };
}
