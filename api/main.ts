// Production API process: the HTTP contract of API.md; sends are started on the worker's task queue.
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config.js';
import { connect } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createApp } from './app.js';
import { createKivraChannel } from '../channels/kivra.js';
import { SendStarter } from '../services/send-starter.js';
import { startBounceListener } from '../platform/bounce-listener.js';
import { createLogger } from '../platform/logger.js';
import { startTracing, tracingClientInterceptors } from '../platform/tracing.js';

process.umask(0o077);

const config = loadConfig();
const tracing = startTracing({ serviceName: 'invoice-distribution-api' });
if (!config.databaseUrl || !config.temporalAddress || !config.adminToken) {
  console.error('The API needs DATABASE_URL, TEMPORAL_ADDRESS and ADMIN_TOKEN (use `npm start` for the all-in-one local run).');
  process.exit(2);
}
const sql = connect(config.databaseUrl);
await migrate(sql);
const client = new Client({ connection: await Connection.connect({ address: config.temporalAddress }), namespace: config.temporalNamespace, interceptors: tracingClientInterceptors() });
const logger = createLogger({ name: 'api' });
const log = (m: string) => logger.info(m);
const starter = new SendStarter({ sql, client, taskQueue: config.taskQueue, log });
const app = createApp({
  sql,
  temporal: { client, taskQueue: config.taskQueue },
  starter,
  adminToken: config.adminToken,
  log,
  logger,
  kivra: createKivraChannel({ url: config.kivraApiUrl, clientId: config.kivraClientId, clientSecret: config.kivraClientSecret, outboxDir: path.join(config.outboxDir, 'kivra') }),
});
const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
const listener = config.bounceSmtpPort === null ? null : await startBounceListener({ sql, starter, log }, { port: config.bounceSmtpPort, host: config.host });
log(`listening on ${config.host}:${config.port}${listener ? `, bounces by SMTP on ${listener.port}` : ''}`);
// Finish the starts of runs already answered; what is left is started by a worker's reconciler.
const shutdown = async () => {
  server.close();
  await listener?.close();
  await starter.drain();
  await sql.end();
  await tracing.shutdown();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
