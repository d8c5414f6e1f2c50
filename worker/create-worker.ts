import { createRequire } from 'node:module';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type Logger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { loadConfig } from '../config.js';
import { workerTracingOptions, workflowTracingModule, type Tracing } from '../platform/tracing.js';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Resource } from '@opentelemetry/resources';
import { paymentsTaskQueue } from '../services/payments-task-queue.js';

const require = createRequire(import.meta.url);
export const workflowsPath = require.resolve('../workflows/index.ts');

/**
 * The bundler's logger with its webpack report (a 1.5 KB block of asset and module lines, logged
 * as info) at debug; its one-line "Workflow bundle created" and any warning or error stay as they are.
 */
function quietBundler(logger: Logger): Logger {
  const demote = (level: Parameters<Logger['log']>[0], message: string) =>
    level === 'INFO' && message !== 'Workflow bundle created' ? 'DEBUG' : level;
  return {
    log: (level, message, meta) => logger.log(demote(level, message), message, meta),
    trace: (message, meta) => logger.trace(message, meta),
    debug: (message, meta) => logger.debug(message, meta),
    info: (message, meta) => logger.log(demote('INFO', message), message, meta),
    warn: (message, meta) => logger.warn(message, meta),
    error: (message, meta) => logger.error(message, meta),
  };
}

/** Bundles the workflow code once (with the tracing interceptors unless `traced: false`); tests share one bundle across workers. */
export function bundleWorkflows(logger: Logger = new DefaultLogger('WARN'), o: { traced?: boolean } = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: o.traced === false ? [] : [workflowTracingModule],
    logger: quietBundler(logger),
  });
}

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
  // bundled here rather than by Worker.create, so the bundler's report is logged at debug.
  const traced = opts.tracing?.enabled === true;
  const tracing = workerTracingOptions(opts.tracing ?? noTracing);
  const workflowBundle = opts.workflowBundle ?? (await bundleWorkflows(Runtime.instance().logger, { traced }));
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
