// The soak's report: a table on the terminal, and the whole of it as JSON under test-output/soak/.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SoakReport } from './run-soak.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function formatReport(r: SoakReport): string {
  const v = r.verdict;
  const faultsByKind: Record<string, number> = {};
  for (const f of r.faults) faultsByKind[f.kind] = (faultsByKind[f.kind] ?? 0) + 1;
  const rows: [string, string][] = [
    ['seed', `${r.seed} (SOAK_SEED=${r.seed} replays these faults)`],
    ['invoices', `${r.invoices} in one request (accepted in ${r.acceptSeconds} s), undo window ${r.windowSeconds} s`],
    ['by customer', Object.entries(r.invoicesByKind).map(([k, n]) => `${k} ${n}`).join(', ')],
    ['faults', `${r.faults.length}: ${Object.entries(faultsByKind).map(([k, n]) => `${k} ${n}`).join(', ')}`],
    ['delivered', `${v.counts.delivered} — ${Object.entries(v.byChannel).map(([k, n]) => `${k} ${n}`).join(', ')}`],
    ['credited in window', `${v.counts.undone} undone, delivered nowhere: ${v.counts.deliveredAfterUndo === 0 ? 'yes' : `no (${v.counts.deliveredAfterUndo})`}`],
    ['failed and restored', String(v.counts.failedAndRestored)],
    ['lost', String(v.counts.lost)],
    ['duplicates', `${v.counts.duplicates - v.counts.duplicatesInSmtpWindow} (and ${v.counts.duplicatesInSmtpWindow} inside SMTP's own window: a worker killed between the server's 250 and our record)`],
    ['stuck (pending_send)', String(v.stuck)],
    ['wrong channel', String(v.counts.wrongChannel)],
    ['histories incomplete or out of order', String(v.incompleteHistories)],
    ['payment files', `applied ${r.paymentFileSeconds} s after they were posted (mid-run)`],
    ['reminders', `${v.reminders.delivered} of ${v.reminders.accepted} accepted delivered; ${v.reminders.refusedAsPaid} refused as paid; paid and reminded ${v.reminders.paidAndReminded}`],
    ['event feed = history', v.feed.historyWithoutEvent + v.feed.eventWithoutHistory + v.feed.historyWithTwoEvents === 0 ? 'yes' : JSON.stringify(v.feed)],
    ['webhooks', `${v.webhooks.received} of ${v.webhooks.events} events received; missing ${v.webhooks.missing}, twice ${v.webhooks.duplicates} (+${v.webhooks.duplicatesAfterAKill} after a kill), out of order ${v.webhooks.outOfOrder}, bad signatures ${v.webhooks.badSignatures}`],
    ['central print per invoice', `at most ${v.maxCentralPrint}`],
    ['processes exited by themselves', r.unexpectedExits.length === 0 ? 'none' : r.unexpectedExits.map((x) => `${x.name} at ${x.at}`).join(', ')],
    ['wall time', `${r.wallSeconds} s (window end → last delivery ${r.drainSeconds} s)`],
    ['deploy', r.deploy ? `at ${r.deploy.at} s; ${r.deploy.sendsAfter} sends ended after it, ${r.deploy.withPatchMarker} of ${r.deploy.sampled} sampled (workflow first run after the deploy) ran the deployed build` : 'none'],
    ['peak RSS (MiB)', Object.entries(r.peakRssMiB).map(([k, n]) => `${k} ${n}`).join(', ')],
    ['verdict', v.passed ? 'PASSED' : `FAILED: ${v.problems.slice(0, 10).join('; ')}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const faultLines = r.faults.map((f) => `  ${String(f.at).padStart(7)} s → ${String(f.until).padStart(7)} s  ${f.kind.padEnd(17)} ${f.detail}`);
  return [...rows.map(([k, val]) => `${k.padEnd(width)}  ${val}`), '', 'faults:', ...faultLines].join('\n');
}

/** Writes the report as JSON; returns its path. */
export async function keepReport(r: SoakReport): Promise<string> {
  const dir = path.join(root, 'test-output', 'soak');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `soak-${r.invoices}-seed-${r.seed}-${r.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(r, null, 2));
  return file;
}
