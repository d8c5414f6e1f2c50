// Unread e-mail → letter (API.md "From delivered to paid"): an invoice e-mailed and neither
// viewed, paid nor credited `unopenedLetterAfterBankDays` bank days after the e-mail went out is
// sent again as a letter — by central print (within its limit of three), by own printer when
// central print is not active. One daily scan (workflows/scan-unopened-emails.ts), not a timer per
// invoice. Idempotent: each letter is a send run whose id is made from the e-mail's delivery, so a
// second scan (or a retried one) asks for nothing twice.
import { createHash } from 'node:crypto';
import type { Method } from '../domain/methods.js';
import { METHOD_LABEL } from '../domain/methods.js';
import { addBankDays } from '../domain/bank-days.js';
import { stockholmToday } from '../domain/dates.js';
import { appendHistory } from '../db/history.js';
import { requestedMethodRefusals, requestSends, type SendServiceDeps } from './request-sends.js';

/** The letter's send run: one per e-mail delivery, so asking twice is refused by the database. */
export const unopenedLetterRunId = (emailWorkflowId: string) =>
  `run_ul${createHash('sha256').update(emailWorkflowId).digest('hex').slice(0, 24).toUpperCase()}`;

export interface UnopenedCandidate {
  tenantId: string;
  invoiceId: string;
  number: string;
  days: number;
  activeMethods: Method[];
  emailWorkflowId: string;
  recipient: string;
  sentOn: string;
}

/**
 * E-mailed invoices that are still only sent (not viewed, paid, credited or sent another way
 * since), of companies with the setting, whose letter has not been asked for. Each row's tenant
 * is the invoice's own, and every join stays within it.
 */
async function candidates(sql: SendServiceDeps['sql']): Promise<UnopenedCandidate[]> {
  const rows = await sql`
    SELECT i.tenant_id, i.id, i.number, c.unopened_letter_after_bank_days AS days, c.active_methods,
           d.workflow_id, d.recipient, to_char(d.delivered_at AT TIME ZONE 'Europe/Stockholm', 'YYYY-MM-DD') AS sent_on
    FROM invoices i
    JOIN companies c ON c.id = i.company_id AND c.tenant_id = i.tenant_id
    JOIN LATERAL (
      SELECT workflow_id, method, recipient, delivered_at FROM deliveries
      WHERE invoice_id = i.id AND tenant_id = i.tenant_id AND state = 'delivered'
      ORDER BY delivered_at DESC LIMIT 1) d ON true
    WHERE c.unopened_letter_after_bank_days IS NOT NULL
      AND i.status = 'sent' AND i.viewed_at IS NULL AND i.paid_amount = 0
      AND d.method = 'email' AND d.workflow_id LIKE 'send-%'
      AND NOT EXISTS (SELECT 1 FROM send_runs r WHERE r.tenant_id = i.tenant_id AND r.id = 'run_ul' || upper(left(encode(sha256(convert_to(d.workflow_id, 'UTF8')), 'hex'), 24)))
    ORDER BY i.tenant_id, i.id`;
  return rows.map((r) => ({
    tenantId: r.tenant_id, invoiceId: r.id, number: r.number, days: r.days, activeMethods: r.active_methods,
    emailWorkflowId: r.workflow_id, recipient: r.recipient, sentOn: r.sent_on,
  }));
}

/** The letter's method: central print when active, else own printer when active, else none. */
function letterMethod(active: Method[]): Method | null {
  if (active.includes('central_print')) return 'central_print';
  if (active.includes('own_printer')) return 'own_printer';
  return null;
}

export interface ScanOutcome {
  /** Letters asked for by this scan. */
  letters: { invoiceId: string; method: Method; runId: string }[];
  /** Due today but not sent as a letter, with why (central print's limit reached, no address …). */
  notSent: { invoiceId: string; reason: string }[];
}

/**
 * One scan on `today` (Stockholm date): every candidate whose e-mail went out `days` bank days
 * ago or more is sent as a letter. The history line (`unopened_letter`, its event with it) is
 * written once per e-mail delivery before the send is asked for; the send's run id makes a
 * retried or second scan ask nothing twice.
 */
export async function scanUnopenedEmails(deps: SendServiceDeps, input: { today?: string } = {}): Promise<ScanOutcome> {
  const today = input.today ?? stockholmToday();
  const outcome: ScanOutcome = { letters: [], notSent: [] };
  const due = (await candidates(deps.sql)).filter((c) => addBankDays(c.sentOn, c.days) <= today);
  for (const c of due) {
    const method = letterMethod(c.activeMethods);
    if (!method) {
      outcome.notSent.push({ invoiceId: c.invoiceId, reason: 'neither central print nor own printer is active' });
      continue;
    }
    // The planning step's own rule (the limit of three letters by central print, a postal address).
    const refused = (await requestedMethodRefusals(deps.sql, c.tenantId, { invoiceIds: [c.invoiceId], kind: 'invoice', method })).get(c.invoiceId);
    if (refused) {
      outcome.notSent.push({ invoiceId: c.invoiceId, reason: refused.message });
      continue;
    }
    const runId = unopenedLetterRunId(c.emailWorkflowId);
    await appendHistory(deps.sql, {
      tenantId: c.tenantId, invoiceId: c.invoiceId, type: 'unopened_letter', method,
      message: `The e-mail of ${c.sentOn} to ${c.recipient} was neither opened, paid nor credited within ${c.days} bank day${c.days === 1 ? '' : 's'} (by ${addBankDays(c.sentOn, c.days)}): the invoice is sent as a letter by ${METHOD_LABEL[method]}.`,
      dedupeKey: `unopened_letter:${c.emailWorkflowId}`,
    });
    try {
      const sent = await requestSends(deps, c.tenantId, { invoiceIds: [c.invoiceId], templateId: null, kind: 'invoice', method, runId });
      const r = sent.results[0];
      if (r.accepted) outcome.letters.push({ invoiceId: c.invoiceId, method, runId });
      else outcome.notSent.push({ invoiceId: c.invoiceId, reason: r.error.message });
    } catch (e) {
      // Asked for before (a retried scan): it stands as it was.
      if ((e as { code?: string }).code !== '23505') throw e;
    }
  }
  return outcome;
}
