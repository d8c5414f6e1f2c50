// `npm run soak`: a billing day under fire on the production topology (docs/soak.md).
// SOAK_SEED replays a soak's faults; SOAK_INVOICES (10,000), SOAK_FAULTS (a fixed number; unset:
// one every SOAK_FAULT_EVERY = 20-40 s until the run has drained), SOAK_FAULTS_FROM (seconds after
// the request, 0), SOAK_WINDOW_SECONDS (60).
import { randomInt } from 'node:crypto';
import { runSoak } from '../soak/run-soak.js';
import { formatReport, keepReport } from '../soak/report.js';
import { escapeForLog } from '../platform/log-line.js';

const seed = process.env.SOAK_SEED ? Number(process.env.SOAK_SEED) : randomInt(1, 2 ** 31);
const log = (msg: string) => console.log(`[soak ${((Date.now() - begun) / 1000).toFixed(0).padStart(5)} s] ${escapeForLog(msg)}`);
const begun = Date.now();
console.log(`soak seed ${seed}`);
const report = await runSoak({
  seed,
  invoices: Number(process.env.SOAK_INVOICES ?? 10_000),
  faults: process.env.SOAK_FAULTS ? Number(process.env.SOAK_FAULTS) : null,
  faultEverySeconds: (process.env.SOAK_FAULT_EVERY ?? '20-40').split('-').map(Number) as [number, number],
  faultsFromSeconds: Number(process.env.SOAK_FAULTS_FROM ?? 0),
  windowSeconds: Number(process.env.SOAK_WINDOW_SECONDS ?? 60),
  databaseServerUrl: process.env.SOAK_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  log,
});
console.log(`\n${formatReport(report)}\n`);
console.log(`report kept in ${await keepReport(report)}`);
process.exit(report.verdict.passed ? 0 : 1);
