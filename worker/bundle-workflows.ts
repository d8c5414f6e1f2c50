// The workflow code, bundled for the workflow sandbox: in this process (tests share one bundle
// across workers) or, for a worker process, in a short-lived child process. Webpack's memory stays
// with the process that ran it — about 145 MiB of a worker's resident memory, never given back
// (docs/benchmarks.md) — so a worker lets a child bundle and takes only the code.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowTracingModule } from '../platform/tracing.js';

const require = createRequire(import.meta.url);
const workflowsPath = require.resolve('../workflows/index.ts');

/**
 * Bundles the workflow code once (with the tracing interceptors unless `traced: false`; with the
 * workflow modules preloaded unless `preload: false`, which only bench/workflow-thread.ts asks for).
 */
export function bundleWorkflows(o: { traced?: boolean; preload?: boolean } = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: o.traced === false ? [] : [workflowTracingModule],
    // The workflow modules are loaded once per worker thread and shared by every run, instead of
    // evaluated anew for each run the worker creates (about 1 ms of a send's workflow thread,
    // docs/benchmarks.md). They hold no state of their own: everything a run keeps lives in the
    // SDK's per-run activator, which proxyActivities, setHandler and the rest look up when called.
    preloadModules: o.preload === false ? [] : [workflowsPath],
    // Warnings and errors only: the bundler's webpack report is a 1.5 KB block logged as info.
    logger: new DefaultLogger('WARN'),
  });
}

/**
 * `bundleWorkflows` in a child process (bundle-workflows-child.ts) that hands the bundle back and
 * exits. The child runs as this process does (tsx), without a CPU profiler or heap limit given to it.
 */
export function bundleWorkflowsInChild(o: { traced: boolean }): Promise<WorkflowBundleWithSourceMap> {
  const execArgv = process.execArgv.filter((a) => !/^--(cpu-prof|max-old-space-size|max-semi-space-size)/.test(a));
  const child = fork(fileURLToPath(new URL('./bundle-workflows-child.ts', import.meta.url)), [JSON.stringify(o)], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (bundle) => resolve(bundle as WorkflowBundleWithSourceMap));
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`Bundling the workflow code failed: the bundling process exited with ${signal ?? `code ${code}`}.`)));
  });
}
