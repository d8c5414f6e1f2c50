// Runs the whole service on embedded defaults: PostgreSQL, a Temporal dev server with its Web UI,
// the worker and the API, plus demo data. Each part switches to an external one when its
// environment variable is set (README).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from './config.js';
import { connect } from './db/client.js';
import { migrate } from './db/migrate.js';
import { databaseForLocalRun, prepareDataDir } from './platform/embedded-db.js';
import { escapeForLog } from './platform/log-line.js';
import { ensureTemporalCli } from './platform/temporal-cli.js';
import { startLocalTemporal } from './platform/temporal-dev-server.js';
import { createApp } from './api/app.js';
import { createWorker } from './worker/create-worker.js';
import { createChannels } from './channels/create-channels.js';
import { startReconcileLoop } from './services/reconcile-pending.js';
import { SendStarter } from './services/send-starter.js';
import { startBounceListener } from './platform/bounce-listener.js';
import { ensureDemoData } from './services/demo-data.js';
import { seedDemoPaymentFiles } from './services/demo-payment-files.js';
import { ensurePaymentsInboxSchedule } from './services/payments-inbox-schedule.js';
import { ensurePersonalDataRetentionSchedule } from './services/personal-data-retention-schedule.js';
import { ensureUnopenedLettersSchedule } from './services/unopened-letters-schedule.js';
import { createLogger } from './platform/logger.js';
import { installTemporalRuntime } from './platform/temporal-runtime.js';
import { startTracing, tracingClientInterceptors } from './platform/tracing.js';

// Everything this process and its children create (outbox, SQLite file) is for its own user only.
process.umask(0o077);
const log = (msg: string) => console.log(`[invoice-distribution] ${escapeForLog(msg)}`);
// The local demo may subscribe webhooks on this machine (http://localhost:…); production refuses them.
process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS ??= 'true';
const config = loadConfig();
// The service's own lines (requests, sends) as JSON, pretty on a terminal; the banner below stays plain.
const logger = createLogger({ name: 'invoice-distribution' });
const { sdkMetricsUrl } = await installTemporalRuntime(logger);
const tracing = startTracing({ serviceName: 'invoice-distribution' });
await prepareDataDir(config.dataDir, { embeddedPostgres: !config.databaseUrl });
const stops: (() => Promise<unknown>)[] = [() => tracing.shutdown()];

const database = await databaseForLocalRun(config, log);
const databaseUrl = database.url;
if (database.stop) stops.unshift(database.stop);

let temporalAddress = config.temporalAddress;
let uiUrl = 'your Temporal cluster UI';
if (!temporalAddress) {
  const started = Date.now();
  const dev = await startLocalTemporal({
    findCli: ensureTemporalCli,
    dataDir: config.dataDir,
    port: config.temporalPort,
    uiPort: config.temporalUiPort,
    namespace: config.temporalNamespace,
    log,
  });
  log(`Temporal dev server up in ${Date.now() - started} ms at ${dev.address}`);
  temporalAddress = dev.address;
  uiUrl = dev.uiUrl;
  stops.unshift(() => dev.stop());
}

const sql = connect(databaseUrl);
stops.unshift(() => sql.end());
const applied = await migrate(sql);
if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
const demo = await ensureDemoData(sql, config.dataDir);
// With embedded defaults the payments inbox is on; a new demo starts with two files in it.
const paymentsInboxDir = config.paymentsInboxDir ?? path.join(config.dataDir, 'inbox', 'payments');
if (demo.created) await seedDemoPaymentFiles(sql, paymentsInboxDir, demo.companyIds);

const client = new Client({ connection: await Connection.connect({ address: temporalAddress }), namespace: config.temporalNamespace, interceptors: tracingClientInterceptors() });
const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
const starter = new SendStarter({ sql, client, taskQueue: config.taskQueue, log });

const channels = createChannels(config);
const worker = await createWorker({
  connection: nativeConnection,
  namespace: config.temporalNamespace,
  taskQueue: config.taskQueue,
  deps: { sql, ...channels, outboxDir: config.outboxDir, logger: logger.child({ component: 'worker' }), starter },
  tracing,
});
const workerDone = worker.run();
await ensurePaymentsInboxSchedule(client, { taskQueue: config.taskQueue, dir: path.resolve(paymentsInboxDir) });
await ensurePersonalDataRetentionSchedule(client, { taskQueue: config.taskQueue });
await ensureUnopenedLettersSchedule(client, { taskQueue: config.taskQueue });
const stopReconciler = startReconcileLoop({ sql, client, taskQueue: config.taskQueue, log });

const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
const app = createApp({ sql, temporal: { client, taskQueue: config.taskQueue }, adminToken, starter, log, logger, sdkMetricsUrl, kivra: channels.kivra });
const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
if (config.bounceSmtpPort !== null) {
  const listener = await startBounceListener({ sql, starter, log }, { port: config.bounceSmtpPort, host: config.host });
  stops.unshift(() => listener.close());
  log(`bounces      SMTP on ${config.host}:${listener.port} for ${config.bounceAddress.replace('@', '+<delivery>@')}`);
}

log(`API            http://localhost:${config.port}   (docs: http://localhost:${config.port}/docs)`);
log(`back office    http://localhost:${config.port}/app   (sign in with the demo API key below)`);
log(`Temporal UI    ${uiUrl}`);
log(`payments inbox ${path.resolve(paymentsInboxDir)}/<companyId>/   (BgMax and Autogiro files, scanned every minute)`);
log(`metrics        http://localhost:${config.port}/metrics   (Authorization: Bearer <ADMIN_TOKEN>)`);
if (!config.adminToken) log(`ADMIN_TOKEN    ${adminToken}   (generated for this run)`);
log(`demo API key   ${demo.apiKey}`);
log(`demo companies ${demo.companyIds.join(', ')}`);
log(`try:  curl -H "Authorization: Bearer ${demo.apiKey}" "http://localhost:${config.port}/v1/invoices?companyId=${demo.companyIds[0]}"`);
if (!config.smtpUrl) log(`e-mails are written to ${path.join(config.outboxDir, 'email')}`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  log('shutting down…');
  stopReconciler();
  server.close();
  await starter.drain();
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await workerDone.catch(() => {});
  await nativeConnection.close();
  for (const stop of stops) await stop().catch(() => {});
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
