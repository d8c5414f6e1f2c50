// The production topology on one machine (`npm run cluster`): the Temporal server with PostgreSQL
// persistence and SQL visibility, its schemas set up by temporal-sql-tool, then the API and two
// workers as separate processes. PostgreSQL is DATABASE_URL's server, else the embedded one.
import { freePort } from '../platform/free-port.js';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { connect } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { databaseForLocalRun, prepareDataDir } from '../platform/embedded-db.js';
import { escapeForLog } from '../platform/log-line.js';
import { ensureTemporalServer, startTemporalCluster } from '../platform/temporal-server.js';
import { startServiceProcess, type ServiceProcess } from '../platform/service-processes.js';
import { ensureDemoData } from '../services/demo-data.js';

process.umask(0o077);
const log = (msg: string) => console.log(`[cluster] ${escapeForLog(msg)}`);
const config = loadConfig();
const workerCount = Number(process.env.WORKERS ?? 2);
await prepareDataDir(config.dataDir, { embeddedPostgres: !config.databaseUrl });
const stops: (() => Promise<unknown>)[] = [];

const database = await databaseForLocalRun(config, log);
const databaseUrl = database.url;
if (database.stop) stops.unshift(database.stop);

const tools = await ensureTemporalServer(log);
const temporal = await startTemporalCluster({
  tools,
  databaseServerUrl: databaseUrl,
  databases: { main: process.env.TEMPORAL_DB ?? 'temporal', visibility: process.env.TEMPORAL_VISIBILITY_DB ?? 'temporal_visibility' },
  dataDir: path.join(config.dataDir, 'temporal-cluster'),
  namespace: config.temporalNamespace,
  log,
});
stops.unshift(() => temporal.stop());

const sql = connect(databaseUrl);
await migrate(sql);
const demo = await ensureDemoData(sql, config.dataDir);
await sql.end();

const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
const env = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, ADMIN_TOKEN: adminToken, DATA_DIR: config.dataDir };
const processes: ServiceProcess[] = [];
const workerMetrics: string[] = [];
for (let i = 1; i <= workerCount; i++) {
  // Each worker serves its own Prometheus metrics (its counters and the Temporal SDK's) on a port of its own.
  const metricsPort = await freePort();
  workerMetrics.push(`worker-${i} http://127.0.0.1:${metricsPort}/metrics`);
  processes.push(await startServiceProcess('worker', { name: `worker-${i}`, env: { ...env, METRICS_PORT: String(metricsPort) }, echo: console.log }));
}
processes.push(await startServiceProcess('api', { name: 'api', env: { ...env, PORT: String(config.port) }, echo: console.log }));

log(`API            http://localhost:${config.port}   (docs: http://localhost:${config.port}/docs)`);
log(`Temporal       ${temporal.address}   (server metrics: ${temporal.metricsUrl}; list runs: temporal workflow list --address ${temporal.address})`);
log(`processes      api, ${processes.filter((p) => p.name.startsWith('worker')).map((p) => `${p.name} (pid ${p.child.pid})`).join(', ')}`);
log(`metrics        api http://localhost:${config.port}/metrics (admin token); ${workerMetrics.join('; ')}`);
if (!config.adminToken) log(`ADMIN_TOKEN    ${adminToken}   (generated for this run)`);
log(`demo API key   ${demo.apiKey}`);
log(`demo companies ${demo.companyIds.join(', ')}`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  log('shutting down…');
  // The API first (it finishes the starts of runs it answered), then the workers, then Temporal and PostgreSQL.
  for (const p of [...processes].reverse()) await p.stop();
  for (const stop of stops) await stop().catch(() => {});
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
for (const p of processes) {
  p.child.once('exit', (code, signal) => {
    if (!stopping) log(`${p.name} exited (${code ?? signal}); the others carry on`);
  });
}
