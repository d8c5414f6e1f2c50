// Benchmark: a billing run of N invoices by e-mail, undo window 0, from the send request to the
// last e-mail received by a real SMTP server — the service (API and worker processes on a
// Temporal dev server, or on the Temporal server with PostgreSQL) beside the raw loop a user
// could write instead (bench/raw-loop.ts), measured in the same run; CPU per invoice of every
// process and billable actions per send; a real undo window and the server on its own core.
// Prints a table; asserts nothing (docs/benchmarks.md).
//   npm run bench                                   # N = 1,000 and 10,000; dev server and cluster; window; pinned
//   npm run bench -- --invoices 1000 --topology dev --window '' --pinned ''
//   npm run bench -- --invoices 10000 --topology dev --window '' --pinned '' --accept-only --rounds 7 --existing 500000
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestDatabase, TEST_DATABASE_URL } from '../test/helpers/database.js';
import { waitFor } from '../test/helpers/fixtures.js';
import { freePort } from '../platform/free-port.js';
import { ensureTemporalCli } from '../platform/temporal-cli.js';
import { startTemporalDevServer } from '../platform/temporal-dev-server.js';
import { ensureTemporalServer, startTemporalCluster } from '../platform/temporal-server.js';
import { startServiceProcess, type ServiceProcess } from '../platform/service-processes.js';
import { connect } from '../db/client.js';
import { startSmtpSink } from './smtp-sink.js';
import { Client, Connection } from '@temporalio/client';
import { runCost } from '../platform/billable-actions.js';
import { cpuSeconds, rssBytes } from '../platform/process-usage.js';

const { values } = parseArgs({
  options: {
    invoices: { type: 'string', default: '1000,10000' },
    topology: { type: 'string', default: 'dev,cluster' },
    // Only the answer to the send request: no raw loop, no waiting for deliveries.
    'accept-only': { type: 'boolean', default: false },
    // Accept-only: requests of N in a row to one API process, as a long-lived one answers them
    // (PostgreSQL runs a prepared statement on its generic plan from the sixth run on a connection).
    rounds: { type: 'string', default: '1' },
    // Accept-only: invoices already in the database (sent, in another company of the tenant) before
    // the first request, analyzed, as a tenant of some years has them.
    existing: { type: 'string', default: '0' },
    // The extra rows: a real undo window (N invoices, window seconds) and the server on its own core.
    window: { type: 'string', default: '10000:300' },
    pinned: { type: 'string', default: '10000' },
  },
});
const sizes = values.invoices.split(',').map(Number);
const rounds = Number(values.rounds);
const existing = Number(values.existing);
const topologies = values.topology.split(',').filter(Boolean) as ('dev' | 'cluster' | 'pinned')[];
if (values.pinned && os.cpus().length >= 2) topologies.push('pinned');
const [windowN, windowSeconds] = values.window ? values.window.split(':').map(Number) : [0, 0];
// How many runs' histories are read to count billable actions (reading 10,000 would dominate the bench).
const HISTORY_SAMPLE = 200;
const here = path.dirname(fileURLToPath(import.meta.url));
const MAIL_FROM = 'invoices@bench.invoice-distribution.local';

/** The machine's PostgreSQL processes (postmaster and backends), whose CPU the service's database work costs. */
function postgresPids(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
    } catch {
      return false; // exited
    }
  });
}

/**
 * Peak resident memory and CPU seconds of each watched process, read from /proc every 100 ms, and
 * of PostgreSQL's processes every second (their pooled backends live through a run; listing all
 * processes ten times a second would cost the machine being measured).
 */
function rssSampler(pids: Record<string, number>) {
  // Per PostgreSQL process: its CPU when first seen (0 for a backend born during the run) and now.
  const pgSeen = new Map<number, { start: number; now: number }>();
  const watchPostgres = (first: boolean) => {
    for (const pid of postgresPids()) {
      try {
        const t = cpuSeconds(pid);
        const seen = pgSeen.get(pid);
        if (seen) seen.now = t;
        else pgSeen.set(pid, { start: first ? t : 0, now: t });
      } catch {
        // exited
      }
    }
  };
  const peak: Record<string, number> = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
  const cpu: Record<string, number> = {};
  const cpuStart: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) cpuStart[name] = cpuSeconds(pid);
  watchPostgres(true);
  const machine = () => {
    const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    return { busy: f.reduce((a, b) => a + b, 0) - f[3] - f[4], all: f.reduce((a, b) => a + b, 0) };
  };
  const machineStart = machine();
  let tick = 0;
  const read = (withPostgres = ++tick % 10 === 0) => {
    for (const [name, pid] of Object.entries(pids)) {
      try {
        peak[name] = Math.max(peak[name], rssBytes(pid));
        cpu[name] = cpuSeconds(pid) - cpuStart[name];
      } catch {
        // exited
      }
    }
    if (withPostgres) watchPostgres(false);
  };
  const timer = setInterval(read, 100);
  return {
    stop: () => {
      clearInterval(timer);
      read(true);
      const m = machine();
      cpu.postgres = [...pgSeen.values()].reduce((sum, p) => sum + p.now - p.start, 0);
      return { peak, cpu, machineBusy: (m.busy - machineStart.busy) / (m.all - machineStart.all) };
    },
  };
}

const mib = (b: number) => `${Math.round(b / 2 ** 20)}`;
const percentile = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

interface Row {
  topology: string;
  n: number;
  rawRate: number;
  rawSeconds: number;
  rawCpuMs: number;
  acceptMs: number;
  rate: number;
  seconds: number;
  p50: number;
  p99: number;
  duplicates: number;
  rss: Record<string, number>;
  rawRss: number;
  /** CPU ms per invoice of each process of the service. */
  cpuMs: Record<string, number>;
  /** Billable Temporal actions and workflow tasks per send, from a sample of the runs' histories. */
  actions: number;
  workflowTasks: number;
  /** Workflow tasks per send the worker ran from the whole history, the run no longer in its cache. */
  replayedTasks: number;
}

interface WindowRow {
  n: number;
  windowSeconds: number;
  acceptMs: number;
  peakWorkerRss: number;
  /** Worker RSS sampled through the window, to show it flat. */
  rssAtQuarters: number[];
  drainSeconds: number;
  duplicates: number;
  actions: number;
}

const sink = await startSmtpSink();
const rows: Row[] = [];
const windowRows: WindowRow[] = [];
const LABEL = { dev: 'dev server, 1 worker', cluster: 'cluster (PostgreSQL), 2 workers', pinned: 'dev server, server + PostgreSQL on core 0, API + worker (and raw) on core 1' };

/** Pins a process and all its threads to the given cores. */
const pin = (pid: number, cores: string) => execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
const allCores = `0-${os.cpus().length - 1}`;

for (const topology of topologies) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `invoice-bench-${topology}-`));
  const db = await createTestDatabase();
  const suffix = randomBytes(4).toString('hex');
  const temporalDbs = { main: `bench_temporal_${suffix}`, visibility: `bench_temporal_vis_${suffix}` };
  const temporal =
    topology !== 'cluster'
      ? await startTemporalDevServer({ cli: await ensureTemporalCli(), dataDir, port: await freePort(), uiPort: await freePort(), namespace: 'default' })
      : await startTemporalCluster({ tools: await ensureTemporalServer(), databaseServerUrl: TEST_DATABASE_URL, databases: temporalDbs, dataDir, namespace: 'default' });
  const adminToken = randomBytes(12).toString('hex');
  const port = await freePort();
  const env = { DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporal.address, ADMIN_TOKEN: adminToken, SMTP_URL: sink.url, MAIL_FROM, DATA_DIR: dataDir, PORT: String(port) };
  const processes: ServiceProcess[] = [];
  const pinned = topology === 'pinned';
  try {
    // Accept-only: no worker, so the sends of one request do not run beside the next request.
    const workerCount = values['accept-only'] ? 0 : topology === 'cluster' ? 2 : 1;
    // BENCH_PROFILE=dir writes a V8 CPU profile of each worker and API process there (node --cpu-prof).
    // BENCH_WORKER_NODE_ARGS='--max-old-space-size=…' measures a worker setting (docs/benchmarks.md).
    const profileArgs = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    const nodeArgs = [...profileArgs, ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
    for (let i = 1; i <= workerCount; i++) processes.push(await startServiceProcess('worker', { name: `worker-${i}`, env, nodeArgs }));
    processes.push(await startServiceProcess('api', { name: 'api', env, nodeArgs: profileArgs }));
    if (pinned) {
      // The shape of production, where the server has machines of its own.
      pin(temporal.pid!, '0');
      for (const pid of postgresPids()) pin(pid, '0');
      for (const p of processes) pin(p.child.pid!, '1');
    }
    const api = `http://127.0.0.1:${port}`;
    const call = async (method: string, p: string, body: unknown, token: string) => {
      const res = await fetch(api + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as any };
    };
    const key = (await call('POST', '/admin/tenants', { name: 'Bench' }, adminToken)).json.apiKey as string;
    const [{ id: tenantId }] = await db.sql`SELECT id FROM tenants`;
    const temporalClient = new Client({ connection: await Connection.connect({ address: temporal.address }) });

    async function seedCompany(n: number, label: string, o: { undoWindowSeconds?: number; status?: string } = {}): Promise<string> {
      const company = (await call('POST', '/v1/companies', { name: `Bench ${label} AB`, orgNumber: '556677-8899', bankgiro: '123-4567', address: { street: 'Gatan 1', postalCode: '111 22', city: 'Stockholm' } }, key)).json.id as string;
      await call('PUT', `/v1/companies/${company}/distribution-settings`, { activeMethods: ['email'], defaultMethod: 'email', fallbackMethod: null, reminderDistribution: false, undoWindowSeconds: o.undoWindowSeconds ?? 0, linkInvoiceToOrganization: false }, key);
      const person = (await call('POST', '/v1/persons', { name: 'Anna Andersson', email: 'anna@example.com', address: { street: 'Vägen 2', postalCode: '222 33', city: 'Lund' } }, key)).json.id as string;
      await db.sql`
        INSERT INTO invoices (id, tenant_id, company_id, number, status, person_id, issue_date, due_date, ocr, email, lines, net_amount, vat_amount, total_amount)
        SELECT 'inv_' || ${label} || '_' || lpad(i::text, 6, '0'), ${tenantId}, ${company}, ${label} || '-' || i, ${o.status ?? 'unsent'}, ${person}, '2026-11-01', '2026-11-30', '1234566',
               'anna+' || i || '@example.com', '[{"description":"Gym, november","quantity":1,"unitAmount":39900,"vatRate":6}]'::jsonb, 39900, 2394, 42294
        FROM generate_series(1, ${n}) AS i`;
      return company;
    }

    /** Billable actions and workflow tasks per send, averaged over a sample of the run's histories. */
    async function actionsPerSend(runId: string): Promise<{ actions: number; workflowTasks: number; replayedTasks: number }> {
      const ids = (await db.sql`SELECT workflow_id FROM send_run_items WHERE run_id = ${runId} ORDER BY random() LIMIT ${HISTORY_SAMPLE}`).map((r) => r.workflow_id as string);
      let actions = 0;
      let workflowTasks = 0;
      let replayedTasks = 0;
      for (const id of ids) {
        const cost = runCost(await temporalClient.workflow.getHandle(id).fetchHistory());
        actions += cost.billableActions;
        workflowTasks += cost.workflowTasks;
        replayedTasks += cost.replayedTasks;
      }
      return { actions: actions / ids.length, workflowTasks: workflowTasks / ids.length, replayedTasks: replayedTasks / ids.length };
    }

    async function waitForRun(runId: string, n: number, company: string) {
      let run: any;
      for (let i = 0; i < 600; i++) {
        run = (await call('GET', `/v1/send-runs/${runId}`, undefined, key)).json;
        if (run.completedAt) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const [{ sent }] = await db.sql`SELECT count(*)::int AS sent FROM invoices WHERE company_id = ${company} AND status = 'sent'`;
      if (sent !== n || run.sent !== n) throw new Error(`run ${runId}: ${sent} invoices sent, progress ${JSON.stringify(run)}`);
    }

    const sizes_ = pinned ? values.pinned.split(',').map(Number) : sizes;
    for (const n of sizes_) {
      if (values['accept-only']) {
        if (existing > 0) {
          await seedCompany(existing, 'old', { status: 'sent' });
          await db.sql`VACUUM ANALYZE`;
          console.log(`${topology}: ${existing} invoices already in the database`);
        }
        for (let round = 1; round <= rounds; round++) {
          const company = await seedCompany(n, `acc${n}r${round}`);
          const ids = (await db.sql`SELECT id FROM invoices WHERE company_id = ${company} ORDER BY id`).map((r) => r.id as string);
          const started = performance.now();
          const res = await call('POST', '/v1/invoices/send', { invoiceIds: ids }, key);
          console.log(`${topology} N=${n}, request ${round}: accepted in ${(performance.now() - started).toFixed(0)} ms (HTTP ${res.status}, ${res.json.results.filter((r: { accepted: boolean }) => r.accepted).length} accepted)`);
          // The next request once the API has started this one's workflows (the server holds them).
          await waitFor(async () => (await db.sql`SELECT 1 FROM send_run_items WHERE run_id = ${res.json.runId} AND NOT started LIMIT 1`).length === 0, {
            timeoutMs: 10 * 60_000, intervalMs: 500, what: `the workflows of request ${round} to start`,
          });
        }
        continue;
      }
      // The raw loop: one process, render and send (on the service's core when pinned).
      const rawCompany = await seedCompany(n, `raw${n}`);
      const raw = fork(path.join(here, 'raw-loop.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, DATABASE_URL: db.url, SMTP_URL: sink.url } });
      await new Promise<void>((resolve) => raw.once('message', () => resolve()));
      if (pinned) pin(raw.pid!, '1');
      sink.reset();
      const rawSampler = rssSampler({ raw: raw.pid! });
      const rawStart = performance.now();
      raw.send({ companyId: rawCompany });
      await sink.waitFor(n, 30 * 60_000);
      const rawEnd = Math.max(...sink.arrivals.values());
      const rawUse = rawSampler.stop();
      const rawRss = rawUse.peak.raw;
      console.log(`  raw: cpu ${rawUse.cpu.raw?.toFixed(1)} s, postgres ${rawUse.cpu.postgres.toFixed(1)} s, machine busy ${(rawUse.machineBusy * 100).toFixed(0)} %`);
      raw.kill();

      // The service: one request, answered after one transaction; the last e-mail is the finish line.
      const company = await seedCompany(n, `svc${n}`);
      const ids = (await db.sql`SELECT id FROM invoices WHERE company_id = ${company} ORDER BY id`).map((r) => r.id as string);
      sink.reset();
      const pids = Object.fromEntries([...processes.map((p) => [p.name, p.child.pid!]), ['temporal', temporal.pid!]]);
      const sampler = rssSampler(pids);
      const started = performance.now();
      const res = await call('POST', '/v1/invoices/send', { invoiceIds: ids }, key);
      const acceptMs = performance.now() - started;
      if (res.status !== 202) throw new Error(`send answered ${res.status}: ${JSON.stringify(res.json)}`);
      await sink.waitFor(n, 60 * 60_000);
      const times = [...sink.arrivals.values()].map((t) => t - started).sort((a, b) => a - b);
      const use = sampler.stop();
      console.log(`  service: cpu ${Object.entries(use.cpu).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}, machine busy ${(use.machineBusy * 100).toFixed(0)} %`);
      // Correctness beside the figures: every invoice sent once, and the run says so.
      await waitForRun(res.json.runId, n, company);
      const seconds = times.at(-1)! / 1000;
      const rawSeconds = (rawEnd - rawStart) / 1000;
      const { actions, workflowTasks, replayedTasks } = await actionsPerSend(res.json.runId);
      rows.push({
        topology, n, rawRate: n / rawSeconds, rawSeconds, rawCpuMs: ((rawUse.cpu.raw ?? 0) * 1000) / n, acceptMs, rate: n / seconds, seconds,
        p50: percentile(times, 50) / 1000, p99: percentile(times, 99) / 1000, duplicates: sink.duplicates(), rss: use.peak, rawRss,
        cpuMs: Object.fromEntries(Object.entries(use.cpu).map(([k, v]) => [k, (v * 1000) / n])), actions, workflowTasks, replayedTasks,
      });
      const r = rows.at(-1)!;
      console.log(`${topology} N=${n}: raw ${r.rawRate.toFixed(1)}/s, service ${r.rate.toFixed(1)}/s (${(r.rate / r.rawRate).toFixed(2)}×), accepted in ${acceptMs.toFixed(0)} ms, ${actions.toFixed(2)} actions per send, ${replayedTasks.toFixed(2)} workflow tasks per send replayed`);
    }

    if (topology === 'dev' && windowN > 0 && !values['accept-only']) {
      // A real undo window: N sends wait for the window, held by the server; the worker should not grow.
      const company = await seedCompany(windowN, `win${windowN}`, { undoWindowSeconds: windowSeconds });
      const ids = (await db.sql`SELECT id FROM invoices WHERE company_id = ${company} ORDER BY id`).map((r) => r.id as string);
      sink.reset();
      const worker = processes.find((p) => p.name === 'worker-1')!;
      const sampler = rssSampler({ worker: worker.child.pid! });
      const started = performance.now();
      const res = await call('POST', '/v1/invoices/send', { invoiceIds: ids }, key);
      const acceptMs = performance.now() - started;
      const windowEnd = started + windowSeconds * 1000;
      const rssAtQuarters: number[] = [];
      for (let q = 1; q <= 4; q++) {
        await new Promise((r) => setTimeout(r, Math.max(0, started + (q * windowSeconds * 1000) / 4 - 2000 - performance.now())));
        rssAtQuarters.push(rssBytes(worker.child.pid!));
      }
      const peakInWindow = sampler.stop().peak.worker;
      if (sink.arrivals.size > 0) throw new Error(`${sink.arrivals.size} e-mails arrived inside the undo window`);
      await sink.waitFor(windowN, 60 * 60_000);
      const drainSeconds = (Math.max(...sink.arrivals.values()) - windowEnd) / 1000;
      await waitForRun(res.json.runId, windowN, company);
      const { actions } = await actionsPerSend(res.json.runId);
      windowRows.push({ n: windowN, windowSeconds, acceptMs, peakWorkerRss: peakInWindow, rssAtQuarters, drainSeconds, duplicates: sink.duplicates(), actions });
      console.log(`window N=${windowN}: peak worker RSS in the window ${mib(peakInWindow)} MiB, window end → last e-mail ${drainSeconds.toFixed(1)} s`);
    }
    await temporalClient.connection.close();
  } finally {
    // Writing a busy main thread's CPU profile at exit can take longer than the usual grace.
    for (const p of processes.reverse()) await p.stop(process.env.BENCH_PROFILE ? 180_000 : undefined);
    await temporal.stop();
    if (pinned) for (const pid of postgresPids()) pin(pid, allCores);
    await db.drop();
    if (topology === 'cluster') {
      const admin = connect(TEST_DATABASE_URL, { max: 1 });
      for (const name of Object.values(temporalDbs)) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}
await sink.close();
if (values['accept-only']) process.exit(0);

const ms = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(1));
console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${mib(os.totalmem())} MiB, Node ${process.version}\n`);
console.log('| topology | N | accept | raw loop | service | service / raw | CPU ms per invoice: raw · workers · API · Temporal · PostgreSQL | actions / send (workflow tasks; replayed) | p50 request→delivered | p99 | peak RSS (MiB) | duplicates |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const rss = Object.entries(r.rss).map(([k, v]) => `${k} ${mib(v)}`).join(', ');
  const workers = Object.entries(r.cpuMs).filter(([k]) => k.startsWith('worker')).map(([, v]) => v).reduce((a, b) => a + b, 0);
  console.log(
    `| ${LABEL[r.topology as keyof typeof LABEL]} | ${r.n} | ${(r.acceptMs / 1000).toFixed(2)} s | ` +
      `${r.rawRate.toFixed(1)}/s (${r.rawSeconds.toFixed(1)} s) | ${r.rate.toFixed(1)}/s (${r.seconds.toFixed(1)} s) | ${(r.rate / r.rawRate).toFixed(2)}× | ` +
      `${ms(r.rawCpuMs)} · ${ms(workers)} · ${ms(r.cpuMs.api)} · ${ms(r.cpuMs.temporal)} · ${ms(r.cpuMs.postgres)} | ${r.actions.toFixed(2)} (${r.workflowTasks.toFixed(2)}; ${r.replayedTasks.toFixed(2)}) | ` +
      `${r.p50.toFixed(1)} s | ${r.p99.toFixed(1)} s | raw ${mib(r.rawRss)}; ${rss} | ${r.duplicates} |`,
  );
}
for (const w of windowRows) {
  console.log(
    `\nA real window: ${w.n} invoices, undo window ${w.windowSeconds} s (dev server, 1 worker): accepted in ${(w.acceptMs / 1000).toFixed(2)} s; ` +
      `worker RSS through the window ${w.rssAtQuarters.map((b) => mib(b)).join(' → ')} MiB (peak ${mib(w.peakWorkerRss)}); ` +
      `window end → last e-mail ${w.drainSeconds.toFixed(1)} s; ${w.actions.toFixed(2)} actions per send; duplicates ${w.duplicates}`,
  );
}
