// The soak's harness (soak/run-soak.ts) in every test run: 1,000 invoices of every channel on the
// production topology through six faults — a worker and the API killed, the application's
// PostgreSQL and the Temporal server restarted, an SMTP fault and a deploy of a patched workflow.
import { randomInt } from 'node:crypto';
import { expect, it } from 'vitest';
import { runSoak } from '../soak/run-soak.js';
import { formatReport, keepReport } from '../soak/report.js';
import { TEST_DATABASE_URL } from './helpers/database.js';

it('a billing day under fire: 1,000 invoices, six faults — nothing lost, nothing twice, nothing stuck', async () => {
  const seed = process.env.SOAK_SEED ? Number(process.env.SOAK_SEED) : randomInt(1, 2 ** 31);
  const report = await runSoak({
    seed,
    invoices: 1000,
    faults: 6,
    faultEverySeconds: [10, 20],
    // The faults fall on the drain, where the deliveries are (nothing goes out inside the window).
    faultsFromSeconds: 45,
    windowSeconds: 60,
    databaseServerUrl: TEST_DATABASE_URL,
    log: (msg) => console.log(`[soak] ${msg}`),
  });
  console.log(`${formatReport(report)}\nreport kept in ${await keepReport(report)}`);
  const v = report.verdict;
  expect(report.faults.map((f) => f.kind)).toEqual(expect.arrayContaining(['worker-kill', 'api-kill', 'database-restart', 'temporal-restart', 'deploy']));
  expect(report.faults.some((f) => f.kind.startsWith('smtp-'))).toBe(true);
  expect(v.problems).toEqual([]);
  expect(v.counts.lost).toBe(0);
  expect(v.counts.duplicates - v.counts.duplicatesInSmtpWindow).toBe(0);
  expect(v.stuck).toBe(0);
  expect(v.counts.delivered + v.counts.undone + v.counts.failedAndRestored).toBe(v.counts.accepted);
  expect(v.counts.undone).toBeGreaterThanOrEqual(10); // 1 % by the API, 2 in the back office
  expect(Object.keys(v.byChannel).sort()).toEqual(['autogiro', 'central_print', 'e_invoice', 'email', 'kivra', 'own_printer']);
  expect(v.reminders.paidAndReminded).toBe(0);
  expect(v.reminders.refusedAsPaid).toBeGreaterThan(0);
  expect(v.webhooks.missing + v.webhooks.duplicates + v.webhooks.outOfOrder + v.webhooks.badSignatures).toBe(0);
  // Every sampled send whose workflow first ran after the deploy ran the deployed build.
  expect(report.deploy!.withPatchMarker).toBe(report.deploy!.sampled);
  expect(v.passed).toBe(true);
}, 1_800_000);
