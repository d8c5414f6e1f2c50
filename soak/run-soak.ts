// A billing day under fire (issue 20): one send request of every channel on the production
// topology, clerks crediting, a Bankgirot file and a reminder run, while faults of every part
// land one after another; then the verdict from the receivers and the database.
import { tsToMs } from '@temporalio/common';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { connect, type Sql } from '../db/client.js';
import { apiClient } from './api-client.js';
import { backOfficeClerk, paymentFileFor, seedBillingDay, type SoakInvoice } from './billing-day.js';
import { DEPLOY_PATCH_ID, prepareDeployCopy } from './deploy-copy.js';
import { waitFor } from '../test/helpers/fixtures.js';
import { faultInjector, faultPlan, type Fault } from './faults.js';
import { startReceivers } from './receivers.js';
import { seededRandom } from './seeded-random.js';
import { startTopology, type UnexpectedExit } from './topology.js';
import { soakVerdict, type SoakActions, type SoakVerdict } from './verdict.js';

export interface SoakOptions {
  seed: number;
  invoices: number;
  /** A fixed number of faults (the test's version); null: faults until the run has drained. */
  faults: number | null;
  /** Seconds between faults, drawn from this range. */
  faultEverySeconds: [number, number];
  /** Seconds after the send request before the faults begin (0: at once). */
  faultsFromSeconds?: number;
  windowSeconds: number;
  databaseServerUrl: string;
  log: (msg: string) => void;
}

export interface SoakReport {
  seed: number;
  invoices: number;
  windowSeconds: number;
  startedAt: string;
  wallSeconds: number;
  acceptSeconds: number;
  /** From posting the day's Bankgirot files to both applied. */
  paymentFileSeconds: number;
  drainSeconds: number;
  faults: Fault[];
  invoicesByKind: Record<string, number>;
  peakRssMiB: Record<string, number>;
  unexpectedExits: UnexpectedExit[];
  /** Sends that ended after the deploy, and of a sample of them how many ran the deployed build (its patch marker in their history). */
  deploy: { at: number; sendsAfter: number; sampled: number; withPatchMarker: number } | null;
  verdict: SoakVerdict;
}

/** Proof that the deployed build did work: the patch marker in the histories of sends that ended after it. */
async function deployedBuildAtWork(db: Sql, temporalAddress: string, faults: Fault[], t0: number, workflowOf: Map<string, string>) {
  const deploy = faults.find((f) => f.kind === 'deploy');
  if (!deploy) return null;
  const after = new Date(t0 + deploy.until * 1000);
  const workflows = new Set(workflowOf.values());
  const ended = (await db`SELECT workflow_id FROM deliveries WHERE delivered_at > ${after} ORDER BY delivered_at`).map((r) => r.workflow_id as string).filter((w) => workflows.has(w));
  const sample = ended.slice(0, 30);
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    const client = new Client({ connection });
    let withPatchMarker = 0;
    let sampled = 0;
    for (const id of sample) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      // Only a send whose workflow code first ran after the deploy must carry the marker: one that
      // ran it on the old build and only delivered later (a retried delivery) rightly has none.
      const firstTask = (history.events ?? []).find((e) => e.workflowTaskCompletedEventAttributes);
      if (!firstTask?.eventTime || tsToMs(firstTask.eventTime) <= after.getTime()) continue;
      sampled++;
      const markers = (history.events ?? []).flatMap((e) => Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((d) => d.payloads ?? []));
      if (markers.some((p) => Buffer.from(p.data ?? []).toString('utf8').includes(DEPLOY_PATCH_ID))) withPatchMarker++;
    }
    return { at: deploy.at, sendsAfter: ended.length, sampled, withPatchMarker };
  } finally {
    await connection.close();
  }
}

const MAIL_DOMAIN = 'soak.invoice-distribution.local';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polled once a second (the machine is busy with the run); a poll that fails while a part is down is tried again. */
const until = <T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> =>
  waitFor(() => fn().catch(() => null), { timeoutMs, what, intervalMs: 1000 });

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const rnd = seededRandom(o.seed);
  const log = o.log;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'invoice-soak-'));
  const receivers = await startReceivers();
  const autogiroDir = path.join(dir, 'outbox', 'autogiro');
  const topology = await startTopology({
    dir,
    databaseServerUrl: o.databaseServerUrl,
    env: { ...receivers.env, MAIL_FROM: `invoices@${MAIL_DOMAIN}`, TEMPORAL_TASK_QUEUE: 'soak', AUTOGIRO_OUTBOX_DIR: autogiroDir },
    log,
  });
  const sql = () => connect(topology.databaseUrl(), { max: 2 });
  let deployRoot: Promise<string> | null = null;
  try {
    const call = apiClient(() => topology.api);
    const day = await seedBillingDay({ call, adminToken: topology.adminToken, rnd, invoices: o.invoices, windowSeconds: o.windowSeconds, overdue: Math.max(20, Math.round(o.invoices / 50)), webhookUrl: receivers.webhookUrl, onWebhookSecret: receivers.setWebhookSecret, log });
    const { token } = day;
    const db0 = sql();
    const [{ tenant_id: tenantId }] = await db0`SELECT tenant_id FROM companies WHERE id = ${day.companyId}`;
    await db0.end();

    // Last month's invoices go out first (no window): the ones the reminder run is for.
    const prior = await call('POST', '/v1/invoices/send', { token, body: { invoiceIds: day.overdue.map((i) => i.id) } });
    const priorOf = new Map<string, string>(prior.json.results.filter((r: any) => r.accepted).map((r: any) => [r.invoiceId, r.workflowId]));
    await until(async () => (await call('GET', `/v1/send-runs/${prior.json.runId}`, { token })).json.completedAt, 300_000, "last month's invoices to go out");
    deployRoot = prepareDeployCopy(path.join(dir, 'deploy'));

    // The day's run: one request of every invoice.
    const t0 = Date.now();
    const send = await call('POST', '/v1/invoices/send', { token, body: { invoiceIds: day.invoices.map((i) => i.id) } });
    if (send.status !== 202) throw new Error(`the send request answered ${send.status}: ${JSON.stringify(send.json)}`);
    const acceptSeconds = (Date.now() - t0) / 1000;
    const workflowOf = new Map<string, string>(send.json.results.filter((r: any) => r.accepted).map((r: any) => [r.invoiceId, r.workflowId]));
    log(`send request: ${workflowOf.size} of ${day.invoices.length} accepted in ${acceptSeconds.toFixed(2)} s, run ${send.json.runId}; window ${o.windowSeconds} s`);

    const injector = faultInjector({ topology, receivers, rnd, start: t0, deployRoot: () => deployRoot!, log });
    let drained = false;
    const plan = faultPlan(rnd, o.faults);
    const faultLoop = (async () => {
      await sleep((o.faultsFromSeconds ?? 0) * 1000);
      for (let i = 0; o.faults === null ? !drained : i < o.faults; i++) {
        await sleep(rnd.int(o.faultEverySeconds[0] * 1000, o.faultEverySeconds[1] * 1000));
        if (o.faults === null && drained) break;
        await injector.inflict(plan(i));
      }
    })();

    const credits: SoakActions['credits'] = [];
    const clerk = backOfficeClerk(() => topology.api, token);
    const pool = rnd.sample(day.invoices, day.invoices.length);
    const take = () => pool.pop()!;
    const windowEnd = t0 + o.windowSeconds * 1000;
    // A credit answered before the window ended was decided inside it: it must have undone the send.
    const phaseOf = (answeredAt: number) => (answeredAt < windowEnd ? 'window' : 'late') as 'window' | 'late';
    const creditByApi = async (inv: SoakInvoice, late: boolean) => {
      const res = await call('POST', `/v1/invoices/${inv.id}/credit`, { token, body: { reason: late ? 'soak late' : 'soak window' } });
      if (res.status !== 200 && res.status !== 409) throw new Error(`credit ${inv.id}: ${res.status} ${JSON.stringify(res.json)}`);
      credits.push({ invoiceId: inv.id, via: 'api', phase: late ? 'late' : phaseOf(Date.now()), status: res.status, undone: res.status === 200 ? res.json.undone : null });
    };
    // Inside the window: 1 % through the API and a few in the back office, before its last 15 s,
    // each at its own moment (a clerk does not wait for another's click).
    const inWindow = Math.max(5, Math.round(o.invoices / 100));
    const viaBackOffice = Math.max(2, Math.round(o.invoices / 500));
    const lastMoment = Math.max(2, o.windowSeconds - 15) * 1000;
    const windowCredits = [
      ...Array.from({ length: inWindow }, () => ({ at: rnd.int(1000, lastMoment), inv: take(), via: 'api' as const })),
      ...Array.from({ length: viaBackOffice }, () => ({ at: rnd.int(1000, lastMoment), inv: take(), via: 'back-office' as const })),
    ];
    await Promise.all(
      windowCredits.map(async (c) => {
        await sleep(Math.max(0, t0 + c.at - Date.now()));
        if (c.via === 'api') return creditByApi(c.inv, false);
        const status = await clerk(c.inv.id);
        if (status !== 303 && status !== 409) throw new Error(`back-office credit of ${c.inv.id} answered ${status}`);
        credits.push({ invoiceId: c.inv.id, via: 'back-office', phase: phaseOf(Date.now()), status, undone: null });
      }),
    );
    log(`${credits.length} credits inside the window (${credits.filter((c) => c.phase === 'window').length} in time)`);

    // Mid-run, after the window: a Bankgirot file pays half of last month's invoices and some of today's already out.
    await sleep(Math.max(0, t0 + (o.windowSeconds + 10) * 1000 - Date.now()));
    const sentToday = await until(async () => {
      const ids = (await call('GET', `/v1/invoices?companyId=${day.companyId}&status=sent&limit=20`, { token })).json.items.map((i: { id: string }) => i.id) as string[];
      return ids.length === 20 ? ids : null;
    }, 600_000, "twenty of today's invoices to be out");
    const paid = [...rnd.sample(day.overdue, Math.floor(day.overdue.length / 2)), ...day.invoices.filter((i) => sentToday.includes(i.id))];
    const file = await call('POST', `/v1/companies/${day.reminderCompanyId}/payment-files`, { token, raw: paymentFileFor(paid.filter((p) => day.overdue.includes(p)), '20261206120000000001'), contentType: 'text/plain; charset=iso-8859-1' });
    const file2 = await call('POST', `/v1/companies/${day.companyId}/payment-files`, { token, raw: paymentFileFor(paid.filter((p) => !day.overdue.includes(p)), '20261206120000000002'), contentType: 'text/plain; charset=iso-8859-1' });
    const filePosted = Date.now();
    // Applied by their own workflows, whose tasks queue behind the run's (soak finding, docs/soak.md).
    for (const f of [file, file2]) {
      if (f.status !== 202 && f.status !== 200) throw new Error(`payment file answered ${f.status}: ${JSON.stringify(f.json)}`);
      await until(async () => (await call('GET', `/v1/payment-files/${f.json.id}`, { token })).json.status === 'done', Math.max(900_000, o.invoices * 300), 'the payment file to be applied');
    }
    const paymentFileSeconds = Math.round((Date.now() - filePosted) / 1000);
    log(`Bankgirot files applied ${paymentFileSeconds} s after they were posted: ${paid.length} invoices paid`);

    // Late credits, after the window.
    for (let i = 0; i < Math.max(3, Math.round(o.invoices / 1000)); i++) await creditByApi(take(), true);

    // The reminder run while the day's run drains.
    const remind = await call('POST', '/v1/invoices/send-reminders', { token, body: { invoiceIds: day.overdue.map((i) => i.id) } });
    if (remind.status !== 202) throw new Error(`the reminder request answered ${remind.status}: ${JSON.stringify(remind.json)}`);
    const reminderOf = new Map<string, string>(remind.json.results.filter((r: any) => r.accepted).map((r: any) => [r.invoiceId, r.workflowId]));
    log(`reminder request: ${reminderOf.size} of ${day.overdue.length} accepted`);

    const drainLimit = Math.max(900_000, o.invoices * 300);
    for (const runId of [send.json.runId, remind.json.runId]) {
      await until(async () => (await call('GET', `/v1/send-runs/${runId}`, { token })).json.completedAt, drainLimit, `run ${runId} to complete`);
    }
    const drainSeconds = (Date.now() - t0) / 1000 - o.windowSeconds;
    drained = true;
    log(`both runs complete; ${((Date.now() - t0) / 1000).toFixed(0)} s after the request`);
    await faultLoop;
    await injector.recovered();
    // Webhooks retried with growing delays after the receiver's outage: wait for the feed to be out.
    const db = sql();
    try {
      let lastLog = 0;
      await until(async () => {
        const ids = await db`SELECT id FROM events WHERE tenant_id = ${tenantId}`;
        const got = new Set(receivers.webhooks.received.map((w) => w.id));
        const missing = ids.filter((e) => !got.has(e.id)).length;
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          log(`webhooks: ${ids.length - missing} of ${ids.length} events received`);
        }
        return missing === 0;
      }, 600_000, 'every event to reach the webhook receiver').catch((err) => log((err as Error).message));
      const ownPrinted = (await call('GET', `/v1/print-batches?companyId=${day.companyId}`, { token })).json.items.flatMap((b: { invoiceIds: string[] }) => b.invoiceIds);
      const verdict = await soakVerdict(db, receivers, {
        tenantId,
        invoices: day.invoices,
        overdue: day.overdue,
        mainRun: { runId: send.json.runId, workflowOf },
        reminderRun: { runId: remind.json.runId, workflowOf: reminderOf },
        priorRun: { runId: prior.json.runId, workflowOf: priorOf },
        paidBeforeReminders: new Set(paid.filter((p) => day.overdue.includes(p)).map((p) => p.id)),
        credits,
        workerEnds: injector.workerEnds,
        mailDomain: MAIL_DOMAIN,
        autogiroDir,
        ownPrinterInvoiceIds: ownPrinted,
      });
      const deploy = await deployedBuildAtWork(db, topology.temporalAddress, injector.faults, t0, workflowOf);
      if (deploy && deploy.sampled > 0 && deploy.withPatchMarker < deploy.sampled) verdict.problems.push(`${deploy.sampled - deploy.withPatchMarker} of ${deploy.sampled} sends whose workflow first ran after the deploy lack its patch marker`);
      const unexpectedExits = topology.unexpectedExits();
      for (const x of unexpectedExits) verdict.problems.push(`${x.name} exited by itself at ${x.at} (code ${x.code}, signal ${x.signal}): ${x.lastOutput.split('\n').filter(Boolean).slice(-3).join(' | ')}`);
      verdict.passed &&= verdict.problems.length === 0;
      const invoicesByKind: Record<string, number> = {};
      for (const i of day.invoices) invoicesByKind[i.kind] = (invoicesByKind[i.kind] ?? 0) + 1;
      return {
        seed: o.seed,
        invoices: o.invoices,
        windowSeconds: o.windowSeconds,
        startedAt: new Date(started).toISOString(),
        wallSeconds: Math.round((Date.now() - started) / 1000),
        acceptSeconds: Math.round(acceptSeconds * 100) / 100,
        paymentFileSeconds,
        drainSeconds: Math.round(drainSeconds),
        faults: injector.faults,
        invoicesByKind,
        peakRssMiB: topology.peakRssMiB(),
        unexpectedExits,
        deploy,
        verdict,
      };
    } finally {
      await db.end();
    }
  } finally {
    await deployRoot?.catch(() => undefined);
    await topology.close().catch((err) => log(`closing: ${(err as Error).message}`));
    await receivers.close();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
