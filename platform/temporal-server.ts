// The Temporal server as production runs it — frontend, history, matching and worker services in
// one process — with PostgreSQL persistence and SQL visibility. Built from its Go module, at the
// server version of the pinned CLI, and cached outside the checkout like the CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { executable, findGo, goInstall, run, toolCacheDir } from './go-build.js';
import { freePort } from './free-port.js';
import { waitForFrontend } from './temporal-dev-server.js';

/** The server version inside Temporal CLI v1.5.1 (`temporal --version`). */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const MODULE = 'go.temporal.io/server';

export interface TemporalServerTools {
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12 of the module: the versioned schemas temporal-sql-tool applies. */
  schemaDir: string;
}

/** Finds or builds `server` and `sql` (temporal-sql-tool) and keeps the module's PostgreSQL schemas beside them. */
export async function ensureTemporalServer(log: (msg: string) => void = console.log): Promise<TemporalServerTools> {
  const dir = path.join(toolCacheDir('temporal-server'), TEMPORAL_SERVER_VERSION);
  const tools = { server: path.join(dir, 'server'), sqlTool: path.join(dir, 'sql'), schemaDir: path.join(dir, 'schema', 'postgresql', 'v12') };
  const built = (await executable(tools.server)) && (await executable(tools.sqlTool));
  const schemaReady = await executable(path.join(tools.schemaDir, 'temporal', 'versioned'));
  if (built && schemaReady) return tools;
  const go = await findGo();
  if (!go) throw new Error(`The Temporal server ${TEMPORAL_SERVER_VERSION} is not built yet and Go is not installed: install Go, or point TEMPORAL_ADDRESS at a cluster.`);
  if (!built) {
    log(`Building the Temporal server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool from ${MODULE} (first run only; takes a few minutes)…`);
    const started = Date.now();
    const packages = [`${MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`, `${MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`];
    await goInstall(go, packages, `${dir}.bin`, 'server');
    await mkdir(dir, { recursive: true });
    await cp(`${dir}.bin`, dir, { recursive: true });
    log(`Built the Temporal server in ${Math.round((Date.now() - started) / 1000)} s → ${dir}`);
  }
  // The schemas ship in the module source, which the build (or this download) put in Go's module cache.
  const { stdout } = await run(go, ['mod', 'download', '-json', `${MODULE}@${TEMPORAL_SERVER_VERSION}`], { env: process.env, maxBuffer: 16 * 1024 * 1024 });
  const moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
  await cp(path.join(moduleDir, 'schema', 'postgresql', 'v12'), tools.schemaDir, { recursive: true });
  return tools;
}

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function postgresTarget(url: string): PostgresTarget {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username || 'postgres'), password: decodeURIComponent(u.password) };
}

/**
 * Creates the two databases and brings their schemas to the module's latest version with
 * temporal-sql-tool, as the admin-tools image does in production. Safe to run again.
 */
export async function setupTemporalSchemas(tools: TemporalServerTools, pg: PostgresTarget, databases: { main: string; visibility: string }): Promise<void> {
  const base = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--pw', pg.password];
  for (const [db, schema] of [[databases.main, 'temporal'], [databases.visibility, 'visibility']] as const) {
    const sql = (...args: string[]) => run(tools.sqlTool, [...base, '--db', db, ...args], { maxBuffer: 16 * 1024 * 1024 });
    await sql('--quiet', 'create-database'); // already there on a second run
    // Versioning tables on a fresh database only; then every versioned step not yet applied.
    await sql('--quiet', 'setup-schema', '-v', '0.0');
    await sql('update-schema', '-d', path.join(tools.schemaDir, schema, 'versioned'));
  }
}

export interface TemporalCluster {
  address: string;
  pid: number;
  metricsUrl: string;
  /** The ports it listens on: start it again with these and clients keep their address. */
  ports: Record<string, number>;
  stop(): Promise<void>;
}

function serverConfig(o: { pg: PostgresTarget; databases: { main: string; visibility: string }; ports: Record<string, number>; dynamicConfig: string }): string {
  const store = (db: string, conns: number) => `
      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "${o.pg.host}:${o.pg.port}"
        connectProtocol: "tcp"
        user: "${o.pg.user}"
        password: "${o.pg.password}"
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const service = (name: string) => `
  ${name}:
    rpc:
      grpcPort: ${o.ports[`${name}Grpc`]}
      membershipPort: ${o.ports[`${name}Membership`]}
      bindOnLocalHost: true${name === 'frontend' ? `\n      httpPort: ${o.ports.frontendHttp}` : ''}`;
  return `log:
  stdout: true
  level: error
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:${store(o.databases.main, 20)}
    postgres-visibility:${store(o.databases.visibility, 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${o.ports.metrics}"
services:${['frontend', 'history', 'matching', 'worker'].map(service).join('')}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${o.ports.frontendGrpc}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${o.dynamicConfig}"
  pollInterval: "10s"
`;
}

/** gRPC status code of a namespace or search attribute registered before. */
const ALREADY_EXISTS = 6;

const DYNAMIC_CONFIG = `limit.maxIDLength:
  - value: 255
frontend.enableUpdateWorkflowExecution:
  - value: true
# A send's one activity goes back to the worker that completed the workflow task, in its answer:
# no matching round trip (docs/benchmarks.md).
system.enableActivityEagerExecution:
  - value: true
`;

async function registerNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') });
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
    }
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
      });
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
    }
    // The frontend sees a new namespace after its cache refresh: wait until it answers for it.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await connection.workflowService.countWorkflowExecutions({ namespace, query: `${ALL_SEARCH_ATTRIBUTES[0].name} = "x"` });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await connection.close();
  }
}

/**
 * Sets up the schemas (idempotent), starts the server with PostgreSQL persistence and SQL
 * visibility, and registers the namespace with the search attributes.
 */
export async function startTemporalCluster(opts: {
  tools: TemporalServerTools;
  databaseServerUrl: string;
  databases: { main: string; visibility: string };
  dataDir: string;
  namespace: string;
  log?: (msg: string) => void;
  /** A restart: the ports of the server stopped before (its frontend address stays the same). */
  ports?: Record<string, number>;
}): Promise<TemporalCluster> {
  const pg = postgresTarget(opts.databaseServerUrl);
  await setupTemporalSchemas(opts.tools, pg, opts.databases);
  const ports: Record<string, number> = { ...opts.ports };
  for (const name of ['frontendGrpc', 'frontendHttp', 'frontendMembership', 'historyGrpc', 'historyMembership', 'matchingGrpc', 'matchingMembership', 'workerGrpc', 'workerMembership', 'metrics']) {
    ports[name] ??= await freePort({ below: 32_768 }); // membership ports are stored as smallint
  }
  const configDir = path.join(opts.dataDir, 'config');
  await mkdir(configDir, { recursive: true });
  const dynamicConfig = path.join(configDir, 'dynamic.yaml');
  await writeFile(dynamicConfig, DYNAMIC_CONFIG);
  await writeFile(path.join(configDir, 'cluster.yaml'), serverConfig({ pg, databases: opts.databases, ports, dynamicConfig }));

  const logFile = await open(path.join(opts.dataDir, 'temporal-server.log'), 'a');
  const child: ChildProcess = spawn(opts.tools.server, ['--root', opts.dataDir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'], {
    stdio: ['ignore', logFile.fd, logFile.fd],
  });
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const address = `127.0.0.1:${ports.frontendGrpc}`;
  await waitForFrontend(address, child, 120_000, 'the Temporal server', `; see ${path.join(opts.dataDir, 'temporal-server.log')}`);
  await registerNamespace(address, opts.namespace);
  opts.log?.(`Temporal server ${TEMPORAL_SERVER_VERSION} up at ${address} (PostgreSQL ${pg.host}:${pg.port}, databases ${opts.databases.main} and ${opts.databases.visibility})`);
  return {
    address,
    pid: child.pid!,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    ports,
    stop: () =>
      new Promise<void>((resolve) => {
        process.off('exit', killOnExit);
        const done = () => void logFile.close().finally(resolve);
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
