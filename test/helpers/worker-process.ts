import { spawn, type ChildProcess } from 'node:child_process';
import { MAIL_FROM, type Harness } from './harness.js';
import { waitFor } from './fixtures.js';

/**
 * A worker in its own process, so it can be killed without warning: the production entry point
 * (worker/main.ts) unless another script is named.
 */
export async function startWorkerProcess(
  h: Harness,
  opts: { reconciler?: boolean; script?: string; env?: Record<string, string> } = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', opts.script ?? 'worker/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl,
      TEMPORAL_ADDRESS: h.temporalAddress,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      SMTP_URL: h.smtp.url,
      MAIL_FROM,
      RECONCILER: opts.reconciler ? 'on' : 'off',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await waitFor(async () => output.includes('polling task queue') || child.exitCode !== null, { timeoutMs: 60_000, what: 'worker process' });
  if (child.exitCode !== null) throw new Error(`worker process exited: ${output}`);
  return child;
}

export async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
