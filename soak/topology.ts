// The production topology the soak runs on, with a handle on every part a fault can hit: the
// Temporal server on PostgreSQL (the machine's), the application's own PostgreSQL (embedded, so it
// can be restarted), the API and two workers as separate processes.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { connect } from '../db/client.js';
import { freePort } from '../platform/free-port.js';
import { rssBytes } from '../platform/process-usage.js';
import { startEmbeddedPostgres, type EmbeddedDb } from '../platform/embedded-db.js';
import { ensureTemporalServer, startTemporalCluster, type TemporalCluster, type TemporalServerTools } from '../platform/temporal-server.js';
import { startServiceProcess, type ServiceProcess } from '../platform/service-processes.js';

export interface Topology {
  api: string;
  adminToken: string;
  temporalAddress: string;
  /** Live service processes by name (`api`, `worker-1`, `worker-2`). */
  processes: Map<string, ServiceProcess>;
  /** The application's database, as the services see it. */
  databaseUrl: () => string;
  startWorker(name: string, root?: string): Promise<ServiceProcess>;
  startApi(): Promise<ServiceProcess>;
  restartTemporal(downMs: number): Promise<void>;
  restartDatabase(downMs: number): Promise<void>;
  /** Peak resident memory seen per process name (MiB), sampled every second. */
  peakRssMiB(): Record<string, number>;
  /** Service processes that exited by themselves (no fault ended them): a crash the verdict must name. */
  unexpectedExits(): UnexpectedExit[];
  close(): Promise<void>;
}

export interface UnexpectedExit { name: string; at: string; code: number | null; signal: string | null; lastOutput: string }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid: number): number {
  try {
    return rssBytes(pid) / 2 ** 20;
  } catch {
    return 0; // exited
  }
}

export async function startTopology(o: {
  dir: string;
  databaseServerUrl: string;
  env: Record<string, string>;
  log: (msg: string) => void;
}): Promise<Topology> {
  await chmod(o.dir, 0o755); // PostgreSQL runs as its own user when we are root
  const tools: TemporalServerTools = await ensureTemporalServer(o.log);
  const suffix = randomBytes(4).toString('hex');
  const temporalDbs = { main: `soak_temporal_${suffix}`, visibility: `soak_temporal_vis_${suffix}` };
  const temporalDir = path.join(o.dir, 'temporal');
  await mkdir(temporalDir, { recursive: true });
  let cluster: TemporalCluster = await startTemporalCluster({ tools, databaseServerUrl: o.databaseServerUrl, databases: temporalDbs, dataDir: temporalDir, namespace: 'default' });
  const ports = cluster.ports;
  const pgPort = await freePort();
  const startDb = () => startEmbeddedPostgres(path.join(o.dir, 'pg'), pgPort);
  let db: EmbeddedDb = await startDb();
  const adminToken = randomBytes(12).toString('hex');
  const apiPort = await freePort();
  const env = () => ({
    ...o.env,
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: cluster.address,
    ADMIN_TOKEN: adminToken,
    DATA_DIR: o.dir,
    PORT: String(apiPort),
  });
  const processes = new Map<string, ServiceProcess>();
  const unexpected: UnexpectedExit[] = [];
  const peak: Record<string, number> = {};
  const sample = () => {
    const pids: [string, number | undefined][] = [...[...processes].map(([n, p]) => [n, p.child.pid] as [string, number | undefined]), ['temporal', cluster.pid]];
    for (const [name, pid] of pids) if (pid) peak[name] = Math.max(peak[name] ?? 0, rssMiB(pid));
  };
  const sampler = setInterval(sample, 1000);

  // As a supervisor (systemd, Kubernetes) does: a process that exits while starting — Temporal or
  // the database away at that moment — is started again.
  const supervised = async (kind: 'api' | 'worker', name: string, root?: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const p = await startServiceProcess(kind, { name, env: env(), root, timeoutMs: 180_000 });
        processes.set(name, p);
        p.child.once('exit', (code, signal) => {
          if (!p.endedOnPurpose()) unexpected.push({ name, at: new Date().toISOString(), code, signal, lastOutput: p.output().slice(-2000) });
        });
        return p;
      } catch (err) {
        if (attempt === 10) throw err;
        o.log(`${name} did not start (${(err as Error).message.split('\n')[0]}); starting it again in 3 s`);
        await sleep(3000);
      }
    }
  };
  const startWorker = (name: string, root?: string) => supervised('worker', name, root);
  const startApi = () => supervised('api', 'api');
  await startWorker('worker-1');
  await startWorker('worker-2');
  await startApi();

  return {
    api: `http://127.0.0.1:${apiPort}`,
    adminToken,
    temporalAddress: cluster.address,
    processes,
    databaseUrl: () => db.url,
    startWorker,
    startApi,
    async restartTemporal(downMs) {
      await cluster.stop();
      await sleep(downMs);
      cluster = await startTemporalCluster({ tools, databaseServerUrl: o.databaseServerUrl, databases: temporalDbs, dataDir: temporalDir, namespace: 'default', ports });
    },
    async restartDatabase(downMs) {
      await db.stop();
      await sleep(downMs);
      db = await startDb();
    },
    peakRssMiB: () => Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round(v)])),
    unexpectedExits: () => [...unexpected],
    async close() {
      clearInterval(sampler);
      for (const p of [...processes.values()].reverse()) await p.stop().catch(() => undefined);
      await cluster.stop();
      await db.stop();
      const admin = connect(o.databaseServerUrl, { max: 1 });
      for (const name of Object.values(temporalDbs)) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}
