// Benchmark: the workflow thread's CPU per send, without a server, a database or the PDF work. It
// replays a recorded history of a delivered e-mail send (test/replay/histories) N times through the
// SDK's replayer, which creates and activates each run as a worker does, with the workflow bundle as
// the worker builds it (its modules preloaded once, worker/bundle-workflows.ts) and, as the baseline
// in the same process, the same bundle without the preload (each run evaluates the modules anew).
// The two alternate round by round; prints CPU ms per run of each and their ratio (docs/benchmarks.md).
//   npm run bench:workflow-thread                      # N = 1,000, 5 rounds
//   npm run bench:workflow-thread -- --runs 2000 --rounds 3 --history v5-undone-signal
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../worker/bundle-workflows.js';
import { sandboxOptions } from '../worker/create-worker.js';
import { median } from './median.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '5' },
    history: { type: 'string', default: 'v5-sent-email' },
  },
});
const N = Number(values.runs);
const ROUNDS = Math.max(1, Number(values.rounds));
Runtime.install({ logger: new DefaultLogger('WARN') });

const file = path.join(import.meta.dirname, '..', 'test', 'replay', 'histories', `${values.history}.json`);
const history = historyFromJSON(JSON.parse(await readFile(file, 'utf8')));
const bundles = {
  evaluated: await bundleWorkflows({ traced: false, preload: false }),
  preloaded: await bundleWorkflows({ traced: false }),
};
type Kind = keyof typeof bundles;
const LABEL: Record<Kind, string> = { evaluated: 'modules evaluated per run (baseline)', preloaded: 'modules preloaded (as the worker)' };

/** CPU ms per run of the whole process (every thread: the workflow thread, the SDK's core, this one). */
async function replay(kind: Kind, round: number): Promise<number> {
  const histories = Array.from({ length: N }, (_, i) => ({ workflowId: `bench-${round}-${i}`, history }));
  const before = process.cpuUsage();
  for await (const r of Worker.runReplayHistories({ workflowBundle: bundles[kind], ...sandboxOptions() }, histories)) {
    if (r.error) throw new Error(`replaying ${values.history} failed: ${r.error}`);
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / N;
}

const figures: Record<Kind, number[]> = { evaluated: [], preloaded: [] };
await replay('preloaded', 0); // warms the process up; not counted
for (let round = 1; round <= ROUNDS; round++) {
  for (const kind of Object.keys(bundles) as Kind[]) {
    const ms = await replay(kind, round);
    figures[kind].push(ms);
    console.log(`round ${round}, ${LABEL[kind]}: ${ms.toFixed(3)} ms per run`);
  }
}
const base = median(figures.evaluated);
console.log(`\n${N} replays of ${values.history} per round, ${ROUNDS} rounds, Node ${process.version}; median CPU ms per run:\n`);
console.log('| bundle | CPU ms per run (median) | rounds | vs. baseline |');
console.log('|---|---|---|---|');
for (const kind of Object.keys(bundles) as Kind[]) {
  const m = median(figures[kind]);
  console.log(`| ${LABEL[kind]} | ${m.toFixed(3)} | ${figures[kind].map((x) => x.toFixed(2)).join(', ')} | ${(m / base).toFixed(2)}× |`);
}
