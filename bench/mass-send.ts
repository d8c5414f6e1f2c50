// Benchmark: a billing run of N invoices by e-mail, undo window 0, from the send request to the
// last e-mail received by a real SMTP server — the service (API and worker processes on a
// Temporal dev server, or on the Temporal server with PostgreSQL) beside the raw loop a user
// could write instead (bench/raw-loop.ts), measured in the same run. Prints a table; asserts nothing.
//   npm run bench                                   # N = 1,000 and 10,000; dev server and cluster
//   npm run bench -- --invoices 1000 --topology dev
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestDatabase, TEST_DATABASE_URL } from '../test/helpers/database.js';
import { freePort } from '../platform/free-port.js';
import { ensureTemporalCli } from '../platform/temporal-cli.js';
import { startTemporalDevServer } from '../platform/temporal-dev-server.js';
import { ensureTemporalServer, startTemporalCluster } from '../platform/temporal-server.js';
import { startServiceProcess, type ServiceProcess } from '../platform/service-processes.js';
import { connect } from '../db/client.js';
import { startSmtpSink } from './smtp-sink.js';

const { values } = parseArgs({
  options: {
    invoices: { type: 'string', default: '1000,10000' },
    topology: { type: 'string', default: 'dev,cluster' },
    // Only the answer to the send request: no raw loop, no waiting for deliveries.
    'accept-only': { type: 'boolean', default: false },
  },
});
const sizes = values.invoices.split(',').map(Number);
const topologies = values.topology.split(',') as ('dev' | 'cluster')[];
const here = path.dirname(fileURLToPath(import.meta.url));
const MAIL_FROM = 'invoices@bench.invoice-distribution.local';

/** Peak resident memory and CPU seconds of each watched process, read from /proc every 100 ms. */
function rssSampler(pids: Record<string, number>) {
  const peak: Record<string, number> = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
  const cpu: Record<string, number> = {};
  const ticks = (pid: number) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in seconds (USER_HZ 100)
  };
  const cpuStart: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) cpuStart[name] = ticks(pid);
  const machine = () => {
    const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    return { busy: f.reduce((a, b) => a + b, 0) - f[3] - f[4], all: f.reduce((a, b) => a + b, 0) };
  };
  const machineStart = machine();
  const read = () => {
    for (const [name, pid] of Object.entries(pids)) {
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        peak[name] = Math.max(peak[name], kb * 1024);
        cpu[name] = ticks(pid) - cpuStart[name];
      } catch {
        // exited
      }
    }
  };
  const timer = setInterval(read, 100);
  return {
    stop: () => {
      clearInterval(timer);
      read();
      const m = machine();
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
  acceptMs: number;
  rate: number;
  seconds: number;
  p50: number;
  p99: number;
  duplicates: number;
  rss: Record<string, number>;
  rawRss: number;
}

const sink = await startSmtpSink();
const rows: Row[] = [];

for (const topology of topologies) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `invoice-bench-${topology}-`));
  const db = await createTestDatabase();
  const suffix = randomBytes(4).toString('hex');
  const temporalDbs = { main: `bench_temporal_${suffix}`, visibility: `bench_temporal_vis_${suffix}` };
  const temporal =
    topology === 'dev'
      ? await startTemporalDevServer({ cli: await ensureTemporalCli(), dataDir, port: await freePort(), uiPort: await freePort(), namespace: 'default' })
      : await startTemporalCluster({ tools: await ensureTemporalServer(), databaseServerUrl: TEST_DATABASE_URL, databases: temporalDbs, dataDir, namespace: 'default' });
  const adminToken = randomBytes(12).toString('hex');
  const port = await freePort();
  const env = { DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporal.address, ADMIN_TOKEN: adminToken, SMTP_URL: sink.url, MAIL_FROM, DATA_DIR: dataDir, PORT: String(port) };
  const processes: ServiceProcess[] = [];
  try {
    const workerCount = topology === 'dev' ? 1 : 2;
    // BENCH_PROFILE=dir writes a V8 CPU profile of each worker process there (node --cpu-prof).
    const nodeArgs = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    for (let i = 1; i <= workerCount; i++) processes.push(await startServiceProcess('worker', { name: `worker-${i}`, env, nodeArgs }));
    processes.push(await startServiceProcess('api', { name: 'api', env }));
    const api = `http://127.0.0.1:${port}`;
    const call = async (method: string, p: string, body: unknown, token: string) => {
      const res = await fetch(api + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as any };
    };
    const key = (await call('POST', '/admin/tenants', { name: 'Bench' }, adminToken)).json.apiKey as string;
    const [{ id: tenantId }] = await db.sql`SELECT id FROM tenants`;

    async function seedCompany(n: number, label: string): Promise<string> {
      const company = (await call('POST', '/v1/companies', { name: `Bench ${label} AB`, orgNumber: '556677-8899', bankgiro: '123-4567', address: { street: 'Gatan 1', postalCode: '111 22', city: 'Stockholm' } }, key)).json.id as string;
      await call('PUT', `/v1/companies/${company}/distribution-settings`, { activeMethods: ['email'], defaultMethod: 'email', fallbackMethod: null, reminderDistribution: false, undoWindowSeconds: 0, linkInvoiceToOrganization: false }, key);
      const person = (await call('POST', '/v1/persons', { name: 'Anna Andersson', email: 'anna@example.com', address: { street: 'Vägen 2', postalCode: '222 33', city: 'Lund' } }, key)).json.id as string;
      await db.sql`
        INSERT INTO invoices (id, tenant_id, company_id, number, status, person_id, issue_date, due_date, ocr, email, lines, net_amount, vat_amount, total_amount)
        SELECT 'inv_' || ${label} || '_' || lpad(i::text, 6, '0'), ${tenantId}, ${company}, ${label} || '-' || i, 'unsent', ${person}, '2026-11-01', '2026-11-30', '1234566',
               'anna+' || i || '@example.com', '[{"description":"Gym, november","quantity":1,"unitAmount":39900,"vatRate":6}]'::jsonb, 39900, 2394, 42294
        FROM generate_series(1, ${n}) AS i`;
      return company;
    }

    for (const n of sizes) {
      if (values['accept-only']) {
        const company = await seedCompany(n, `acc${n}`);
        const ids = (await db.sql`SELECT id FROM invoices WHERE company_id = ${company} ORDER BY id`).map((r) => r.id as string);
        const started = performance.now();
        const res = await call('POST', '/v1/invoices/send', { invoiceIds: ids }, key);
        console.log(`${topology} N=${n}: accepted in ${(performance.now() - started).toFixed(0)} ms (HTTP ${res.status}, ${res.json.results.filter((r: { accepted: boolean }) => r.accepted).length} accepted)`);
        continue;
      }
      // The raw loop: one process, render and send.
      const rawCompany = await seedCompany(n, `raw${n}`);
      const raw = fork(path.join(here, 'raw-loop.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, DATABASE_URL: db.url, SMTP_URL: sink.url } });
      await new Promise<void>((resolve) => raw.once('message', () => resolve()));
      sink.reset();
      const rawSampler = rssSampler({ raw: raw.pid! });
      const rawStart = performance.now();
      raw.send({ companyId: rawCompany });
      await sink.waitFor(n, 30 * 60_000);
      const rawEnd = Math.max(...sink.arrivals.values());
      const rawUse = rawSampler.stop();
      const rawRss = rawUse.peak.raw;
      console.log(`  raw: cpu ${rawUse.cpu.raw?.toFixed(1)} s, machine busy ${(rawUse.machineBusy * 100).toFixed(0)} %`);
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
      const rss = use.peak;
      console.log(`  service: cpu ${Object.entries(use.cpu).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}, machine busy ${(use.machineBusy * 100).toFixed(0)} %`);
      // Correctness beside the figures: every invoice sent once, and the run says so.
      let run: any;
      for (let i = 0; i < 600; i++) {
        run = (await call('GET', `/v1/send-runs/${res.json.runId}`, undefined, key)).json;
        if (run.completedAt) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const [{ sent }] = await db.sql`SELECT count(*)::int AS sent FROM invoices WHERE company_id = ${company} AND status = 'sent'`;
      if (sent !== n || run.sent !== n) throw new Error(`run ${res.json.runId}: ${sent} invoices sent, progress ${JSON.stringify(run)}`);
      const seconds = times.at(-1)! / 1000;
      const rawSeconds = (rawEnd - rawStart) / 1000;
      rows.push({
        topology, n, rawRate: n / rawSeconds, rawSeconds, acceptMs, rate: n / seconds, seconds,
        p50: percentile(times, 50) / 1000, p99: percentile(times, 99) / 1000, duplicates: sink.duplicates(), rss, rawRss,
      });
      const r = rows.at(-1)!;
      console.log(`${topology} N=${n}: raw ${r.rawRate.toFixed(1)}/s, service ${r.rate.toFixed(1)}/s (${(r.rate / r.rawRate).toFixed(2)}×), accepted in ${acceptMs.toFixed(0)} ms`);
    }
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await temporal.stop();
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

console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${mib(os.totalmem())} MiB, Node ${process.version}\n`);
console.log('| topology | N | accept | raw loop | service | service / raw | p50 request→delivered | p99 | peak RSS (MiB) | duplicates |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const rss = Object.entries(r.rss).map(([k, v]) => `${k} ${mib(v)}`).join(', ');
  console.log(
    `| ${r.topology === 'dev' ? 'dev server, 1 worker' : 'cluster (PostgreSQL), 2 workers'} | ${r.n} | ${(r.acceptMs / 1000).toFixed(2)} s | ` +
      `${r.rawRate.toFixed(1)}/s (${r.rawSeconds.toFixed(1)} s) | ${r.rate.toFixed(1)}/s (${r.seconds.toFixed(1)} s) | ${(r.rate / r.rawRate).toFixed(2)}× | ` +
      `${r.p50.toFixed(1)} s | ${r.p99.toFixed(1)} s | raw ${mib(r.rawRss)}; ${rss} | ${r.duplicates} |`,
  );
}
