import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Sql } from '../../db/client.js';
import { createApp } from '../../api/app.js';
import { SendStarter } from '../../services/send-starter.js';
import { createEmailChannel } from '../../channels/email.js';
import { createPrintProvider } from '../../channels/print-provider.js';
import { createEInvoiceChannel } from '../../channels/pagero.js';
import { createKivraChannel } from '../../channels/kivra.js';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { createTestDatabase } from './database.js';
import { freePort } from '../../platform/free-port.js';
import type { Logger } from '../../platform/logger.js';
import { tracingClientInterceptors, workerTracingOptions, type Tracing } from '../../platform/tracing.js';
import { noTracing, PAYMENTS_WORKER_SIZE, sandboxOptions } from '../../worker/create-worker.js';
import { paymentsTaskQueue } from '../../services/payments-task-queue.js';
import { startSmtpServer } from './smtp.js';

// Keep test output to warnings and errors from the SDK; its own metrics are served on a local
// port, as in production, so /metrics can be checked for them.
const sdkMetricsPort = await freePort();
let sdkMetricsUrl: string | null = null;
try {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}`, useSecondsForDurations: true } } },
  });
  sdkMetricsUrl = `http://127.0.0.1:${sdkMetricsPort}/metrics`;
} catch {
  // already installed in this process
}

// The tests' webhook receivers listen on 127.0.0.1 over plain http: allowed here as in `npm start`'s
// demo (worker processes the tests start inherit it). Tests of the refusal turn it off themselves.
process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS = 'true';

export const MAIL_FROM = 'invoices@test.invoice-distribution.local';
export const BOUNCE_ADDRESS = 'bounces@test.invoice-distribution.local';

/**
 * Everything real a test file needs: its own database, a real SMTP server, the shared Temporal
 * dev server with a task queue of its own, a worker, and the HTTP app.
 */
export interface HarnessOptions {
  printProviderUrl?: string;
  pageroApiUrl?: string;
  /** A Kivra stand-in's base URL (client id `kivra-client`, secret `kivra-secret`); unset: the Kivra outbox. */
  kivraApiUrl?: string;
  /** Another Temporal server than the suite's shared one. */
  temporalAddress?: string;
  /** Another PostgreSQL server than TEST_DATABASE_URL (the harness creates its database there). */
  databaseServerUrl?: string;
  /** Where the API and the activities write their JSON log lines. */
  logger?: Logger;
  /** Where the workflow's spans go (the rest go through the registered tracer provider). */
  tracing?: Pick<Tracing, 'spanProcessor' | 'resource'>;
}

export async function createHarness(opts: HarnessOptions = {}) {
  const db = await createTestDatabase(opts.databaseServerUrl);
  const smtp = await startSmtpServer();
  const address = opts.temporalAddress ?? inject('temporalAddress');
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default', interceptors: tracingClientInterceptors() });
  const nativeConnection = await NativeConnection.connect({ address });
  const outboxDir = await mkdtemp(path.join(os.tmpdir(), 'invoice-dist-outbox-'));
  const adminToken = randomBytes(16).toString('hex');

  const activityDeps: ActivityDeps = {
    sql: db.sql,
    email: createEmailChannel({ smtpUrl: smtp.url, outboxDir: path.join(outboxDir, 'email') }),
    mailFrom: MAIL_FROM,
    bounceAddress: BOUNCE_ADDRESS,
    print: createPrintProvider({ url: opts.printProviderUrl ?? null, token: 'print-token', outboxDir: path.join(outboxDir, 'print') }),
    eInvoice: createEInvoiceChannel({ url: opts.pageroApiUrl ?? null, token: 'pagero-token', outboxDir: path.join(outboxDir, 'einvoice') }),
    kivra: createKivraChannel({ url: opts.kivraApiUrl ?? null, clientId: 'kivra-client', clientSecret: 'kivra-secret', outboxDir: path.join(outboxDir, 'kivra') }),
    autogiroOutboxDir: path.join(outboxDir, 'autogiro'),
    logger: opts.logger,
  };

  async function startWorker(): Promise<{ worker: Worker; done: Promise<void>; stop(): Promise<void> }> {
    const tracing = workerTracingOptions(opts.tracing ?? noTracing);
    const common = {
      interceptors: { activity: tracing.activityInterceptors },
      sinks: tracing.sinks,
      connection: nativeConnection,
      namespace: 'default',
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createActivities(activityDeps),
      ...sandboxOptions(),
    };
    const worker = await Worker.create({ ...common, taskQueue });
    // Payment files run on their own task queue, as in production (worker/create-worker.ts).
    const payments = await Worker.create({ ...common, taskQueue: paymentsTaskQueue(taskQueue), ...PAYMENTS_WORKER_SIZE });
    const done = Promise.all([worker.run(), payments.run()]).then(() => {});
    return {
      worker,
      done,
      async stop() {
        for (const w of [worker, payments]) if (w.getState() === 'RUNNING') w.shutdown();
        await done;
      },
    };
  }

  const starter = new SendStarter({ sql: db.sql, client, taskQueue });
  activityDeps.starter = starter;
  const app = createApp({ sql: db.sql, temporal: { client, taskQueue }, adminToken, starter, kivra: activityDeps.kivra, logger: opts.logger, sdkMetricsUrl });

  /**
   * One HTTP request to the app. A send request is answered before its workflows start; unless
   * `leaveStartsQueued`, this waits for those starts too, so a test can talk to the workflows at once.
   */
  async function request(
    method: string,
    urlPath: string,
    opts: { body?: unknown; rawBody?: string; key?: string; headers?: Record<string, string>; leaveStartsQueued?: boolean } = {},
  ) {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    let body: string | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await app.request(urlPath, { method, headers, body });
    const text = await res.text();
    if (!opts.leaveStartsQueued) await starter.drain();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json, text, headers: res.headers };
  }

  async function createTenant(name = 'Tenant'): Promise<string> {
    const res = await request('POST', '/admin/tenants', { body: { name }, headers: { authorization: `Bearer ${adminToken}` } });
    if (res.status !== 201) throw new Error(`tenant: ${res.status} ${res.text}`);
    return res.json.apiKey;
  }

  return {
    sql: db.sql as Sql,
    databaseUrl: db.url,
    temporalAddress: address,
    smtp,
    client,
    taskQueue,
    outboxDir,
    activityDeps,
    adminToken,
    app,
    request,
    createTenant,
    startWorker,
    starter,
    async close() {
      await starter.drain();
      await nativeConnection.close();
      await connection.close();
      await smtp.close();
      await db.drop();
      await rm(outboxDir, { recursive: true, force: true });
    },
  };
}
export type Harness = Awaited<ReturnType<typeof createHarness>>;
