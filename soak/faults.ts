// The faults of a billing day, one every few seconds, chosen by the seed: processes killed without
// warning, servers restarted, receivers failing, and once per soak a deploy of a changed workflow.
import type { Topology } from './topology.js';
import type { Receivers } from './receivers.js';
import type { Random } from './seeded-random.js';

export const FAULT_KINDS = [
  'worker-kill',
  'api-kill',
  'temporal-restart',
  'database-restart',
  'smtp-unavailable',
  'smtp-drop-in-data',
  'print-503',
  'print-slow',
  'pagero-500',
  'kivra-503',
  'webhooks-down',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number] | 'deploy';

export interface Fault {
  kind: FaultKind;
  /** Seconds from the send request. */
  at: number;
  /** Seconds from the send request until the part was back (or the receiver answered again). */
  until: number;
  detail: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function faultInjector(o: { topology: Topology; receivers: Receivers; rnd: Random; start: number; deployRoot: () => Promise<string>; log: (msg: string) => void }) {
  const { topology: t, receivers: r, rnd } = o;
  const faults: Fault[] = [];
  /** Restarts and recoveries still under way (awaited before the verdict). */
  const recovering = new Set<Promise<unknown>>();
  /** The code each worker runs from: the checkout until the deploy. */
  const roots = new Map<string, string | undefined>();
  /** Instants (ms) at which a worker process was killed or replaced: the only moments a duplicate may be explained by. */
  const workerEnds: number[] = [];
  const now = () => (Date.now() - o.start) / 1000;
  const background = (p: Promise<unknown>) => {
    const tracked = p.catch((err) => o.log(`recovery failed: ${(err as Error).message}`)).finally(() => recovering.delete(tracked));
    recovering.add(tracked);
  };
  const record = (kind: FaultKind, at: number, untilMs: number, detail: string) => {
    const fault = { kind, at: Math.round(at * 10) / 10, until: Math.round((at + untilMs / 1000) * 10) / 10, detail };
    faults.push(fault);
    o.log(`fault at ${fault.at} s: ${kind} — ${detail}`);
    return fault;
  };
  const liveWorkers = () => [...t.processes].filter(([name, p]) => name.startsWith('worker') && p.child.exitCode === null && p.child.signalCode === null).map(([name]) => name);

  async function inflict(kind: FaultKind): Promise<void> {
    const at = now();
    switch (kind) {
      case 'worker-kill': {
        const workers = liveWorkers();
        if (workers.length === 0) return void record(kind, at, 0, 'no live worker to kill');
        const name = rnd.pick(workers);
        const killed = t.processes.get(name)!;
        await killed.kill();
        workerEnds.push(Date.now());
        const downMs = rnd.int(5000, 15000);
        const fault = record(kind, at, downMs, `SIGKILL ${name} (pid ${killed.child.pid}), restarted after ${(downMs / 1000).toFixed(1)} s`);
        background(
          sleep(downMs).then(async () => {
            // A deploy may have replaced it meanwhile.
            if (t.processes.get(name) !== killed) return;
            await t.startWorker(name, roots.get(name));
            fault.until = Math.round(now() * 10) / 10;
          }),
        );
        return;
      }
      case 'api-kill': {
        const api = t.processes.get('api')!;
        await api.kill();
        const downMs = rnd.int(1000, 3000);
        await sleep(downMs);
        await t.startApi();
        record(kind, at, (now() - at) * 1000, `SIGKILL api (pid ${api.child.pid}), restarted`);
        return;
      }
      case 'temporal-restart': {
        const downMs = rnd.int(2000, 5000);
        await t.restartTemporal(downMs);
        record(kind, at, (now() - at) * 1000, `Temporal server stopped, down ${(downMs / 1000).toFixed(1)} s, started again on the same ports`);
        return;
      }
      case 'database-restart': {
        const downMs = rnd.int(2000, 5000);
        await t.restartDatabase(downMs);
        record(kind, at, (now() - at) * 1000, `the application's PostgreSQL stopped, down ${(downMs / 1000).toFixed(1)} s, started again`);
        return;
      }
      case 'smtp-unavailable':
        r.smtp.state.unavailableUntil = Date.now() + 20_000;
        return void record(kind, at, 20_000, 'SMTP answers 421/451 to every recipient for 20 s');
      case 'smtp-drop-in-data':
        r.smtp.state.dropInDataUntil = Date.now() + 20_000;
        return void record(kind, at, 20_000, 'SMTP drops the connection after the data, before its answer, for 20 s');
      case 'print-503':
        Object.assign(r.print.outage, { until: Date.now() + 20_000, status: 503 });
        return void record(kind, at, 20_000, 'the print provider answers 503 for 20 s');
      case 'print-slow':
        Object.assign(r.print.outage, { delayUntil: Date.now() + 20_000, delayMs: 15_000 });
        return void record(kind, at, 20_000, 'the print provider takes 15 s to answer, for 20 s');
      case 'pagero-500':
        Object.assign(r.pagero.outage, { until: Date.now() + 20_000, status: 500 });
        return void record(kind, at, 20_000, 'Pagero answers 500 for 20 s');
      case 'kivra-503':
        r.kivra.state.unavailableUntil = Date.now() + 20_000;
        return void record(kind, at, 20_000, 'Kivra answers 503 for 20 s');
      case 'webhooks-down': {
        await r.webhooks.stop();
        record(kind, at, 60_000, 'the webhook receiver is down for 60 s');
        background(sleep(60_000).then(() => r.webhooks.start()));
        return;
      }
      case 'deploy': {
        const root = await o.deployRoot();
        const replaced: string[] = [];
        for (const name of ['worker-1', 'worker-2']) {
          roots.set(name, root);
          const old = t.processes.get(name);
          await t.startWorker(name, root);
          if (old) {
            workerEnds.push(Date.now());
            await old.stop();
          }
          replaced.push(name);
        }
        record(kind, at, (now() - at) * 1000, `${replaced.join(' and ')} replaced one by one by workers built from a copy with a patched workflow change (${root})`);
        return;
      }
    }
  }

  return {
    faults,
    workerEnds,
    inflict,
    /** Waits for every part to be back (killed workers restarted, the webhook receiver up). */
    async recovered() {
      while (recovering.size > 0) await Promise.all([...recovering]);
    },
  };
}

/**
 * The order of faults: `count` of them (each process kill, a database and a Temporal restart, an
 * SMTP fault and the deploy first, then random kinds), or, without a count, random kinds with the
 * deploy among the first five.
 */
export function faultPlan(rnd: Random, count: number | null): (index: number) => FaultKind {
  if (count !== null) {
    const required: FaultKind[] = ['worker-kill', 'api-kill', 'database-restart', 'temporal-restart', rnd.pick(['smtp-unavailable', 'smtp-drop-in-data'] as const), 'deploy'];
    const plan = rnd.sample(required.slice(0, count), Math.min(count, required.length));
    while (plan.length < count) plan.push(rnd.pick(FAULT_KINDS));
    return (i) => plan[i];
  }
  const deployAt = rnd.int(1, 4);
  return (i) => (i === deployAt ? 'deploy' : rnd.pick(FAULT_KINDS));
}
