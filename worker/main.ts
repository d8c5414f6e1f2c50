// Production worker: runs the send workflows and their activities, and the pending-send reconciler.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config.js';
import { connect } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createChannels } from '../channels/create-channels.js';
import { startReconcileLoop } from '../services/reconcile-pending.js';
import { createWorker } from './create-worker.js';
import { SendStarter } from '../services/send-starter.js';
import { ensurePaymentsInboxSchedule } from '../services/payments-inbox-schedule.js';
import { ensurePersonalDataRetentionSchedule } from '../services/personal-data-retention-schedule.js';
import { ensureUnopenedLettersSchedule } from '../services/unopened-letters-schedule.js';
import { createLogger } from '../platform/logger.js';
import { installTemporalRuntime } from '../platform/temporal-runtime.js';
import { startTracing, tracingClientInterceptors } from '../platform/tracing.js';
import { startMetricsServer } from '../platform/metrics-server.js';

process.umask(0o077);
const logger = createLogger({ name: 'worker' });
const log = (msg: string) => logger.info(msg);
const config = loadConfig();
const { sdkMetricsUrl } = await installTemporalRuntime(logger);
const tracing = startTracing({ serviceName: 'invoice-distribution-worker' });
const metrics = config.metricsPort === null ? null : await startMetricsServer({ port: config.metricsPort, host: config.host, sdkMetricsUrl });
if (metrics) log(`metrics on http://${config.host}:${metrics.port}/metrics`);
if (!config.databaseUrl || !config.temporalAddress) {
  console.error('The worker needs DATABASE_URL and TEMPORAL_ADDRESS (use `npm start` for the all-in-one local run).');
  process.exit(2);
}
const sql = connect(config.databaseUrl);
await migrate(sql);
const nativeConnection = await NativeConnection.connect({ address: config.temporalAddress });
const client = new Client({ connection: await Connection.connect({ address: config.temporalAddress }), namespace: config.temporalNamespace, interceptors: tracingClientInterceptors() });
const worker = await createWorker({
  connection: nativeConnection,
  namespace: config.temporalNamespace,
  taskQueue: config.taskQueue,
  deps: { sql, ...createChannels(config), outboxDir: config.outboxDir, logger, starter: new SendStarter({ sql, client, taskQueue: config.taskQueue, log }) },
  tracing,
});
const stopReconciler = process.env.RECONCILER === 'off' ? () => {} : startReconcileLoop({ sql, client, taskQueue: config.taskQueue, log });
if (config.paymentsInboxDir) await ensurePaymentsInboxSchedule(client, { taskQueue: config.taskQueue, dir: config.paymentsInboxDir });
await ensurePersonalDataRetentionSchedule(client, { taskQueue: config.taskQueue });
await ensureUnopenedLettersSchedule(client, { taskQueue: config.taskQueue });
log(`polling task queue ${config.taskQueue} on ${config.temporalAddress}`);
// The SDK's runtime also shuts workers down on these signals: whichever comes first does it.
const shutdown = () => {
  stopReconciler();
  if (worker.getState() === 'RUNNING') worker.shutdown();
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
await worker.run();
await metrics?.close();
await tracing.shutdown();
await nativeConnection.close();
// The client's gRPC channel would keep the process alive after an orderly stop.
await client.connection.close();
await sql.end();
