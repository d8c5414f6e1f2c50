// Production API process: the HTTP contract of API.md; sends are started on the worker's task queue.
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config.js';
import { connect } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createApp } from './app.js';
import { escapeForLog } from '../platform/log-line.js';

process.umask(0o077);

const config = loadConfig();
if (!config.databaseUrl || !config.temporalAddress || !config.adminToken) {
  console.error('The API needs DATABASE_URL, TEMPORAL_ADDRESS and ADMIN_TOKEN (use `npm start` for the all-in-one local run).');
  process.exit(2);
}
const sql = connect(config.databaseUrl);
await migrate(sql);
const client = new Client({ connection: await Connection.connect({ address: config.temporalAddress }), namespace: config.temporalNamespace });
const app = createApp({
  sql,
  temporal: { client, taskQueue: config.taskQueue },
  adminToken: config.adminToken,
  log: (m) => console.log(`[api] ${escapeForLog(m)}`),
});
serve({ fetch: app.fetch, port: config.port, hostname: config.host });
console.log(`[api] listening on ${config.host}:${config.port}`);
