// What the soak concludes, read from the receivers and the database — never from logs: every
// invoice delivered once on its channel or undone and delivered nowhere, nothing stuck, runs,
// histories, the event feed and the webhooks all telling the same story.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from '../db/client.js';
import type { Receivers } from './receivers.js';
import type { Method, SoakInvoice } from './billing-day.js';
import { parseAutogiroFile } from '../test/helpers/autogiro-reader.js';

export interface SoakActions {
  tenantId: string;
  invoices: SoakInvoice[];
  overdue: SoakInvoice[];
  mainRun: { runId: string; workflowOf: Map<string, string> };
  reminderRun: { runId: string; workflowOf: Map<string, string> } | null;
  /** Last month's invoices, sent before the day's run: what the reminder run is for. */
  priorRun: { runId: string; workflowOf: Map<string, string> };
  /** Paid by the day's Bankgirot file before the reminder request. */
  paidBeforeReminders: Set<string>;
  /** `status`: the answer (200/303 credited; 409 already paid or credited, which a late credit may meet). */
  credits: { invoiceId: string; via: 'api' | 'back-office'; phase: 'window' | 'late'; status: number; undone: boolean | null }[];
  /** Instants a worker process was killed or replaced. */
  workerEnds: number[];
  mailDomain: string;
  autogiroDir: string;
  ownPrinterInvoiceIds: string[];
}

/** A duplicate is put down to SMTP's own window only when a worker died within this long after the server's 250. */
const DUPLICATE_WINDOW_MS = 10_000;

export async function soakVerdict(sql: Sql, r: Receivers, a: SoakActions) {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 50) problems.push(text);
  };
  // OCR numbers are unique within a company only: last month's invoices (another company, by
  // e-mail only) are left out, or an OCR they share would hide a Kivra or Autogiro delivery.
  const byOcr = new Map(a.invoices.map((i) => [i.ocr, i]));
  const invoiceOfWorkflow = new Map<string, string>();
  for (const [inv, wf] of a.mainRun.workflowOf) invoiceOfWorkflow.set(wf, inv);
  const reminderOfWorkflow = new Map<string, string>();
  for (const [inv, wf] of a.reminderRun?.workflowOf ?? []) reminderOfWorkflow.set(wf, inv);

  // Deliveries per invoice and channel, as the receivers hold them.
  const got = new Map<string, Record<Method, number>>();
  const count = (invoiceId: string | undefined, m: Method) => {
    if (!invoiceId) return;
    const c = got.get(invoiceId) ?? { email: 0, central_print: 0, e_invoice: 0, kivra: 0, autogiro: 0, own_printer: 0 };
    c[m]++;
    got.set(invoiceId, c);
  };
  const mails = new Map<string, { receivedAt: number }[]>();
  for (const m of r.smtp.received) {
    const id = m.messageId ?? '';
    mails.set(id, [...(mails.get(id) ?? []), { receivedAt: m.receivedAt }]);
  }
  const workflowOfMessage = (id: string) => id.replace(/^</, '').replace(`@${a.mailDomain}>`, '');
  const reminderMails = new Map<string, number>();
  const priorOfWorkflow = new Map<string, string>();
  for (const [inv, wf] of a.priorRun.workflowOf) priorOfWorkflow.set(wf, inv);
  const priorMails = new Map<string, number>();
  let duplicatesInSmtpWindow = 0;
  const explained = new Set<string>();
  const mailTimes = new Map<string, string[]>();
  const unknownMails: string[] = [];
  for (const [id, copies] of mails) {
    const wf = workflowOfMessage(id);
    const reminderOf = reminderOfWorkflow.get(wf);
    const priorOf = priorOfWorkflow.get(wf);
    if (reminderOf) reminderMails.set(reminderOf, copies.length);
    else if (priorOf) priorMails.set(priorOf, copies.length);
    else if (invoiceOfWorkflow.has(wf)) for (let i = 0; i < copies.length; i++) count(invoiceOfWorkflow.get(wf), 'email');
    else unknownMails.push(id);
    // When each copy arrived, to set a duplicate beside the faults of the report.
    if (copies.length > 1) mailTimes.set(invoiceOfWorkflow.get(wf) ?? reminderOf ?? priorOf ?? id, copies.map((c) => new Date(c.receivedAt).toISOString()));
    if (copies.length > 1) {
      const first = copies[0].receivedAt;
      if (a.workerEnds.some((t) => t >= first && t <= first + DUPLICATE_WINDOW_MS)) {
        duplicatesInSmtpWindow += copies.length - 1;
        explained.add(invoiceOfWorkflow.get(wf) ?? reminderOf ?? priorOf ?? id);
      }
    }
  }
  // An e-mail of no request the soak made: say whose it is and what its invoice's history holds.
  for (const id of unknownMails) {
    const wf = workflowOfMessage(id);
    const [row] = await sql`SELECT d.invoice_id, d.send_request_id, string_agg(h.type, ',' ORDER BY h.id) AS types
      FROM deliveries d LEFT JOIN invoice_history h ON h.invoice_id = d.invoice_id
      WHERE d.workflow_id = ${wf} GROUP BY d.invoice_id, d.send_request_id`;
    problem(`an e-mail nobody sent: ${id}${row ? ` (invoice ${row.invoice_id}, run ${row.send_request_id}; history ${row.types})` : ''}`);
  }
  for (const key of r.print.accepted.keys()) count(invoiceOfWorkflow.get(key), 'central_print');
  for (const key of r.pagero.accepted.keys()) count(invoiceOfWorkflow.get(key), 'e_invoice');
  for (const d of r.kivra.delivered) count(byOcr.get(d.body.payment_multiple_options?.options?.[0]?.reference)?.id, 'kivra');
  const autogiroFiles = await readdir(a.autogiroDir, { recursive: true }).catch(() => [] as string[]);
  for (const f of autogiroFiles.filter((f) => String(f).endsWith('.txt'))) {
    const parsed = parseAutogiroFile(await readFile(path.join(a.autogiroDir, String(f)), 'latin1'));
    for (const w of parsed.withdrawals) count(byOcr.get(w.reference)?.id, 'autogiro');
  }
  for (const id of a.ownPrinterInvoiceIds) count(id, 'own_printer');

  const histories = new Map<string, { type: string; method: string | null; at: Date }[]>();
  const allIds = [...a.invoices, ...a.overdue].map((i) => i.id);
  for (const h of await sql`SELECT invoice_id, type, method, at FROM invoice_history WHERE invoice_id = ANY(${allIds}::text[]) ORDER BY id`) {
    histories.set(h.invoice_id, [...(histories.get(h.invoice_id) ?? []), { type: h.type, method: h.method, at: h.at }]);
  }
  const typesOf = (id: string) => (histories.get(id) ?? []).map((h) => h.type);

  const counts = { accepted: a.mainRun.workflowOf.size, delivered: 0, undone: 0, failedAndRestored: 0, lost: 0, duplicates: 0, duplicatesInSmtpWindow, wrongChannel: 0, deliveredAfterUndo: 0 };
  const byChannel: Record<string, number> = {};
  for (const inv of a.invoices) {
    if (!a.mainRun.workflowOf.has(inv.id)) continue;
    const types = typesOf(inv.id);
    const c = got.get(inv.id);
    const total = c ? Object.values(c).reduce((x, y) => x + y, 0) : 0;
    const undone = types.includes('send_undone');
    if (types.includes('send_failed')) counts.failedAndRestored++;
    if (undone) {
      counts.undone++;
      if (total > 0) {
        counts.deliveredAfterUndo++;
        problem(`${inv.id} was undone but delivered ${JSON.stringify(c)}`);
      }
      continue;
    }
    if (total === 0) {
      if (!types.includes('send_failed')) {
        counts.lost++;
        problem(`${inv.id} (${inv.kind}) delivered nowhere; history ${types.join(',')}`);
      }
      continue;
    }
    counts.delivered++;
    const channel = (Object.entries(c!) as [Method, number][]).find(([, n]) => n > 0)![0];
    byChannel[channel] = (byChannel[channel] ?? 0) + 1;
    if (total > 1) {
      counts.duplicates += total - 1;
      if (!explained.has(inv.id)) {
        const times = mailTimes.get(inv.id);
        problem(`${inv.id} delivered ${total} times: ${JSON.stringify(c)}${times ? `; its e-mails arrived at ${times.join(', ')}` : ''}`);
      }
    }
    if (channel !== inv.expect || c![inv.expect] !== total) {
      counts.wrongChannel++;
      problem(`${inv.id} (${inv.kind}) went by ${channel}, expected ${inv.expect}`);
    }
    const sent = (histories.get(inv.id) ?? []).filter((h) => h.type === 'sent');
    if (sent.length !== 1 || sent[0].method !== channel) problem(`${inv.id}: history says sent ${sent.length} times by ${sent.map((s) => s.method).join(',')}, the receivers ${channel}`);
  }

  // Histories complete and in order.
  let incompleteHistories = 0;
  for (const inv of a.invoices.filter((i) => a.mainRun.workflowOf.has(i.id))) {
    const types = typesOf(inv.id);
    const ok =
      types[0] === 'created' && types[1] === 'send_requested' &&
      types.filter((t) => t === 'send_requested').length === 1 &&
      types.filter((t) => t === 'sent' || t === 'send_undone').length === 1 &&
      (!types.includes('send_undone') || !types.includes('sent'));
    const times = (histories.get(inv.id) ?? []).map((h) => h.at.getTime());
    if (!ok || times.some((t, i) => i > 0 && t < times[i - 1])) {
      incompleteHistories++;
      problem(`${inv.id}: history ${types.join(',')}`);
    }
  }

  // Credits: inside the window undone, after it as the send had got.
  let creditsInWindowNotUndone = 0;
  for (const c of a.credits) {
    const types = typesOf(c.invoiceId);
    if (c.status === 409 && c.phase === 'late') continue;
    // An undo inside the window is the credit (`send_undone`); after it the invoice is `credited`.
    if (!types.includes('credited') && !types.includes('send_undone')) problem(`${c.invoiceId}: credited through ${c.via} but the history has no credit`);
    if (c.phase === 'window' && !types.includes('send_undone')) {
      creditsInWindowNotUndone++;
      problem(`${c.invoiceId}: credited through ${c.via} inside its window, not undone (${types.join(',')})`);
    }
    if (c.undone !== null && c.undone !== types.includes('send_undone')) problem(`${c.invoiceId}: the credit answered undone=${c.undone}, the history says otherwise`);
  }

  // Runs' progress equal to the receivers' counts.
  const runs: Record<string, unknown> = {};
  const [mainItems] = await sql`
    SELECT count(*) FILTER (WHERE outcome = 'sent')::int AS sent, count(*) FILTER (WHERE outcome = 'undone')::int AS undone,
           count(*) FILTER (WHERE outcome = 'failed')::int AS failed, count(*) FILTER (WHERE outcome = 'pending')::int AS pending
    FROM send_run_items WHERE run_id = ${a.mainRun.runId}`;
  // A run is complete when nothing of it is pending (db/send-runs.ts).
  runs.main = mainItems;
  if (mainItems.sent !== counts.delivered || mainItems.undone !== counts.undone || mainItems.pending !== 0) {
    problem(`the run says ${JSON.stringify(runs.main)}, the receivers delivered ${counts.delivered} and ${counts.undone} were undone`);
  }

  // Reminders: each accepted one delivered once, none for an invoice paid before the request.
  const reminders = { accepted: a.reminderRun?.workflowOf.size ?? 0, delivered: 0, duplicates: 0, paidAndReminded: 0, refusedAsPaid: 0 };
  if (a.reminderRun) {
    const [rItems] = await sql`
      SELECT count(*) FILTER (WHERE outcome = 'sent')::int AS sent, count(*) FILTER (WHERE outcome = 'pending')::int AS pending
      FROM send_run_items WHERE run_id = ${a.reminderRun.runId}`;
    for (const inv of a.reminderRun.workflowOf.keys()) {
      const n = reminderMails.get(inv) ?? 0;
      if (n > 0) reminders.delivered++;
      if (n > 1 && !explained.has(inv)) reminders.duplicates += n - 1;
      if (n === 0 && !typesOf(inv).includes('reminder_failed')) problem(`${inv}: reminder accepted, none delivered (${typesOf(inv).join(',')})`);
    }
    runs.reminders = rItems;
    if (rItems.sent !== reminders.delivered || rItems.pending !== 0) problem(`the reminder run says ${JSON.stringify(rItems)}, the SMTP server got ${reminders.delivered}`);
  }
  for (const id of a.paidBeforeReminders) {
    if ((reminderMails.get(id) ?? 0) > 0 || typesOf(id).includes('reminder_sent')) {
      reminders.paidAndReminded++;
      problem(`${id} was paid and still reminded`);
    }
    if (!a.reminderRun?.workflowOf.has(id)) reminders.refusedAsPaid++;
  }

  for (const inv of a.priorRun.workflowOf.keys()) {
    const n = priorMails.get(inv) ?? 0;
    if (n !== 1 && !(n > 1 && explained.has(inv))) problem(`${inv} (sent before the day's run) arrived ${n} times`);
  }

  const [{ stuck }] = await sql`SELECT count(*)::int AS stuck FROM invoices WHERE tenant_id = ${a.tenantId} AND status = 'pending_send'`;
  const [{ maxCentralPrint }] = await sql`SELECT coalesce(max(central_print_count), 0)::int AS "maxCentralPrint" FROM invoices WHERE tenant_id = ${a.tenantId}`;
  if (maxCentralPrint > 3) problem(`an invoice went by central print ${maxCentralPrint} times`);

  // The event feed equal to the history: one event per history entry, none without one.
  const [feed] = await sql`
    SELECT
      (SELECT count(*) FROM invoice_history h WHERE h.tenant_id = ${a.tenantId}
         AND NOT EXISTS (SELECT 1 FROM events e WHERE e.history_id = h.id AND e.type = 'invoice.' || h.type))::int AS "historyWithoutEvent",
      (SELECT count(*) FROM events e WHERE e.tenant_id = ${a.tenantId} AND e.invoice_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM invoice_history h WHERE h.id = e.history_id))::int AS "eventWithoutHistory",
      (SELECT count(*) FROM (SELECT history_id FROM events WHERE tenant_id = ${a.tenantId} AND history_id IS NOT NULL GROUP BY history_id HAVING count(*) > 1) d)::int AS "historyWithTwoEvents"`;
  if (feed.historyWithoutEvent || feed.eventWithoutHistory || feed.historyWithTwoEvents) problem(`feed and history differ: ${JSON.stringify(feed)}`);

  // Webhooks: every event of the feed received once, per invoice in feed order.
  const events = await sql`SELECT id, invoice_id FROM events WHERE tenant_id = ${a.tenantId} ORDER BY txid, seq`;
  const receipts = new Map<string, number[]>();
  r.webhooks.received.forEach((w, i) => receipts.set(w.id, [...(receipts.get(w.id) ?? []), i]));
  const webhooks = { events: events.length, received: receipts.size, missing: 0, duplicates: 0, duplicatesAfterAKill: 0, outOfOrder: 0, badSignatures: r.webhooks.state.badSignatures };
  const lastSeen = new Map<string, number>();
  for (const e of events) {
    const at = receipts.get(e.id);
    if (!at) {
      webhooks.missing++;
      continue;
    }
    if (at.length > 1) {
      const first = r.webhooks.received[at[0]].at;
      if (a.workerEnds.some((t) => t >= first && t <= first + DUPLICATE_WINDOW_MS)) webhooks.duplicatesAfterAKill += at.length - 1;
      else {
        webhooks.duplicates += at.length - 1;
        // When each copy arrived and what the delivery log recorded, to set it beside the faults of the report.
        const log = await sql`SELECT attempt, at, response_status, error, succeeded FROM webhook_deliveries WHERE event_id = ${e.id} ORDER BY id`;
        const arrived = at.map((i) => new Date(r.webhooks.received[i].at).toISOString()).join(', ');
        const attempts = log.map((l) => `attempt ${l.attempt} at ${new Date(l.at).toISOString()}: ${l.succeeded ? 'delivered' : (l.error ?? `HTTP ${l.response_status}`)}`).join('; ');
        problem(`webhook event ${e.id} received ${at.length} times, at ${arrived}; delivery log: ${attempts || 'none'}`);
      }
    }
    if (e.invoice_id) {
      if ((lastSeen.get(e.invoice_id) ?? -1) > at[0]) webhooks.outOfOrder++;
      lastSeen.set(e.invoice_id, at[0]);
    }
  }
  if (webhooks.missing || webhooks.duplicates || webhooks.outOfOrder || webhooks.badSignatures) problem(`webhooks: ${JSON.stringify(webhooks)}`);
  const schemaErrors = r.kivra.state.schemaErrors.length;
  if (schemaErrors) problem(`Kivra refused ${schemaErrors} bodies as not matching its schema`);

  const passed =
    counts.lost === 0 && counts.duplicates === counts.duplicatesInSmtpWindow && counts.deliveredAfterUndo === 0 && counts.wrongChannel === 0 &&
    stuck === 0 && incompleteHistories === 0 && creditsInWindowNotUndone === 0 && reminders.paidAndReminded === 0 && reminders.duplicates === 0 &&
    maxCentralPrint <= 3 && problems.length === 0;
  return { passed, counts, byChannel, stuck, incompleteHistories, creditsInWindowNotUndone, runs, reminders, feed, webhooks, maxCentralPrint, problems };
}
export type SoakVerdict = Awaited<ReturnType<typeof soakVerdict>>;
