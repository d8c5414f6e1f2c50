// Applies a stored payment file to the company's invoices: each record (or each extra reference
// of a BgMax payment) in its own transaction, keyed so that a record seen again changes nothing —
// the same file twice, or the activity retried after its worker died halfway.
import { createHash } from 'node:crypto';
import { ulid } from '../platform/ulid.js';
import type { Queryable, Sql } from '../db/client.js';
import { recordPayment } from '../db/invoice-state.js';
import { appendHistory } from '../db/history.js';
import { METHOD_LABEL, type Method } from '../domain/methods.js';
import type { BgMaxDeposit, BgMaxPayment } from '../payments/bgmax.js';
import type { AutogiroMandateAdvice, AutogiroPayment, AutogiroRejected } from '../payments/autogiro-results.js';
import { readPaymentFile } from '../payments/read-payment-file.js';
import { requestSends, type SendServiceDeps } from './request-sends.js';

export interface PaymentFileRef {
  tenantId: string;
  fileId: string;
}

interface Part {
  key: string;
  line: number;
  reference: string;
  /** Öre; null: as much of the payment as is left (several OCRs with no split, TK22 at zero). */
  amount: number | null;
}

/** OCR references are compared without the blanks and leading zeros some banks pad them with. */
const ocrOf = (reference: string) => reference.replace(/\s+/g, '').replace(/^0+/, '');

/** What each part of a payment is meant to pay: its own reference, or its extra references. */
function partsOf(p: BgMaxPayment, base: string): Part[] {
  const sign = p.kind === 'deduction' ? -1 : 1;
  const extras = p.extraReferences;
  if (extras.length && (p.referenceCode !== 2 || !p.reference)) {
    const split = extras.some((x) => x.amount !== 0);
    return extras.map((x, i) => ({ key: `${base}:${i + 1}`, line: x.line, reference: x.reference, amount: split ? sign * x.amount : null }));
  }
  return [{ key: `${base}:1`, line: p.line, reference: p.reference, amount: sign * p.amount }];
}

async function claim(tx: Queryable, f: { tenantId: string; companyId: string; fileId: string }, key: string, line: number): Promise<boolean> {
  const [row] = await tx`
    INSERT INTO payment_records (company_id, record_key, tenant_id, file_id, line, outcome, amount)
    VALUES (${f.companyId}, ${key}, ${f.tenantId}, ${f.fileId}, ${line}, 'unmatched', 0)
    ON CONFLICT (company_id, record_key) DO NOTHING RETURNING record_key`;
  return Boolean(row);
}

/** Öre the other parts of one payment (keys `<base>:…`) have already put on invoices. */
async function takenByOtherParts(tx: Queryable, f: { companyId: string }, base: string, exceptKey: string): Promise<number> {
  const [used] = await tx`
    SELECT coalesce(sum(amount), 0)::bigint AS n FROM payment_records
    WHERE company_id = ${f.companyId} AND record_key LIKE ${`${base}:%`} AND record_key <> ${exceptKey}`;
  return Number(used.n);
}

async function unmatched(
  tx: Queryable,
  f: { tenantId: string; companyId: string; fileId: string },
  o: { key: string; amount: number; reference: string; payerName: string | null; date: string; reason: string },
) {
  await tx`
    INSERT INTO unmatched_payments (id, tenant_id, company_id, file_id, record_key, amount, reference, payer_name, payment_date, reason)
    VALUES (${`unp_${ulid()}`}, ${f.tenantId}, ${f.companyId}, ${f.fileId}, ${o.key}, ${o.amount}, ${o.reference}, ${o.payerName}, ${o.date}::date, ${o.reason})
    ON CONFLICT (company_id, record_key) DO NOTHING`;
}

async function applyPayment(sql: Sql, f: FileCtx, d: BgMaxDeposit, p: BgMaxPayment) {
  const base = `bgmax:${f.writtenAt}:${d.payeeBankgiro}:${d.depositDate}:${d.depositSerial}:${p.index}`;
  const source = `Bankgiro payment ${p.bgcSerial || p.index}, deposit ${d.depositSerial} of ${d.depositDate}`;
  const parts = partsOf(p, base);
  if (!parts.some((x) => x.reference)) {
    await sql.begin(async (tx) => {
      if (!(await claim(tx, f, `${base}:1`, p.line))) return;
      await unmatched(tx, f, { key: `${base}:1`, amount: p.amount, reference: p.reference, payerName: p.payerName, date: d.depositDate, reason: 'The payment has no reference to match.' });
    });
    return;
  }
  for (const part of parts) {
    await sql.begin(async (tx) => {
      if (!(await claim(tx, f, part.key, part.line))) return;
      // Several OCRs without a split share what the earlier parts left of the payment.
      let amount = part.amount;
      if (amount === null) {
        amount = Math.max(0, p.amount - (await takenByOtherParts(tx, f, base, part.key)));
      }
      const ocr = ocrOf(part.reference);
      const [inv] = ocr
        ? await tx`SELECT id FROM invoices WHERE tenant_id = ${f.tenantId} AND company_id = ${f.companyId} AND ocr = ${ocr}`
        : [];
      const leave = async (reason: string) => {
        if (amount !== 0) await unmatched(tx, f, { key: part.key, amount: amount!, reference: part.reference, payerName: p.payerName, date: d.depositDate, reason });
      };
      if (!inv) return leave(ocr ? `No invoice of the company has OCR number ${ocr}.` : 'The reference is empty.');
      if (amount === 0) return;
      const r = await recordPayment(tx, { tenantId: f.tenantId, invoiceId: inv.id, amount, paidAt: d.depositDate, source, dedupeKey: `payment:${f.companyId}:${part.key}` });
      if (r.outcome === 'refused') return leave(`Not put on the invoice: ${r.reason}.`);
      await tx`UPDATE payment_records SET outcome = ${r.outcome}, invoice_id = ${inv.id}, amount = ${r.applied}
               WHERE company_id = ${f.companyId} AND record_key = ${part.key}`;
      // A single-reference overpayment: the rest is listed; shared payments list what is left at the end.
      if (r.surplus > 0 && part.amount !== null) {
        await unmatched(tx, f, { key: `${part.key}:surplus`, amount: r.surplus, reference: part.reference, payerName: p.payerName, date: d.depositDate, reason: `More than invoice ${r.number} asked for.` });
      }
    });
  }
  if (parts.every((x) => x.amount === null)) {
    // What the shared references could not take.
    await sql.begin(async (tx) => {
      const key = `${base}:rest`;
      if (!(await claim(tx, f, key, p.line))) return;
      const rest = p.amount - (await takenByOtherParts(tx, f, base, key));
      if (rest > 0) await unmatched(tx, f, { key, amount: rest, reference: parts.map((x) => x.reference).join(', '), payerName: p.payerName, date: d.depositDate, reason: 'More than the referenced invoices asked for.' });
    });
  }
}

type FileCtx = { tenantId: string; companyId: string; fileId: string; writtenAt: string };

const STATUS_TEXT: Record<string, string> = {
  '1': 'there was not enough money in the account (status 1)',
  '2': 'there is no Autogiro link: the account is closed or the mandate removed (status 2)',
};
const REJECTED_TEXT: Record<string, string> = {
  '01': 'the payer has no mandate', '02': 'the account is not approved or is closed', '03': 'the mandate is stopped',
  '12': 'the date is wrong', '13': 'the date has passed', '24': 'the amount is over the maximum',
};
const MANDATE_ACTIVE = '32';
const MANDATE_CANCELLED = new Set(['01', '02', '06', '07', '33', '98']);
const payerKey = (n: string) => n.replace(/^0+/, '');

async function invoiceByOcr(tx: Queryable, f: FileCtx, reference: string) {
  const ocr = ocrOf(reference);
  if (!ocr) return null;
  const [inv] = await tx`SELECT id, number FROM invoices WHERE tenant_id = ${f.tenantId} AND company_id = ${f.companyId} AND ocr = ${ocr}`;
  return inv ?? null;
}

/**
 * A withdrawal that was not made: `autogiro_failed` on the invoice, never Autogiro again for it,
 * and the invoice sent by the company's fallback method through the normal send. The send's run
 * id comes from the record, so a retry after a crash asks for it once.
 */
async function autogiroFailed(deps: SendServiceDeps, f: FileCtx, key: string, o: { line: number; reference: string; amount: number; date: string; why: string; code: string }) {
  const { sql } = deps;
  const fallback = await sql.begin(async (tx) => {
    if (!(await claim(tx, f, key, o.line))) {
      const [done] = await tx`SELECT invoice_id, outcome FROM payment_records WHERE company_id = ${f.companyId} AND record_key = ${key}`;
      return done?.outcome === 'failed' && done.invoice_id ? (done.invoice_id as string) : null;
    }
    const inv = await invoiceByOcr(tx, f, o.reference);
    await tx`UPDATE payment_records SET outcome = 'failed', invoice_id = ${inv?.id ?? null}, amount = 0 WHERE company_id = ${f.companyId} AND record_key = ${key}`;
    if (!inv) return null;
    const [c] = await tx`SELECT fallback_method, active_methods FROM companies WHERE id = ${f.companyId} AND tenant_id = ${f.tenantId}`;
    const usable = c.fallback_method && c.fallback_method !== 'autogiro' && (c.active_methods as Method[]).includes(c.fallback_method);
    await tx`UPDATE invoices SET autogiro_failed = true, updated_at = now() WHERE id = ${inv.id} AND tenant_id = ${f.tenantId}`;
    await appendHistory(tx, {
      tenantId: f.tenantId, invoiceId: inv.id, type: 'autogiro_failed', error: o.code,
      message: `The Autogiro withdrawal of ${(o.amount / 100).toFixed(2)} SEK on ${o.date} was not made: ${o.why}. ${usable ? `The invoice is sent by ${METHOD_LABEL[c.fallback_method as Method]} instead.` : 'No fallback method is active, so the invoice was not sent another way.'}`,
      dedupeKey: `autogiro:${f.companyId}:${key}`,
    });
    return usable ? (inv.id as string) : null;
  });
  if (!fallback) return;
  const runId = `run_ag${createHash('sha256').update(`${f.companyId}:${key}`).digest('hex').slice(0, 24).toUpperCase()}`;
  try {
    await requestSends(deps, f.tenantId, {
      invoiceIds: [fallback], templateId: null, kind: 'invoice', runId,
      fallbackOnly: { message: 'Send requested by the fallback method, because the Autogiro withdrawal was not made.' },
    });
  } catch (e) {
    // The same run asked for before (a retry): it stands as it was.
    if ((e as { code?: string }).code !== '23505') throw e;
  }
}

async function applyAutogiroPayment(deps: SendServiceDeps, f: FileCtx, p: AutogiroPayment) {
  if (p.tk !== '82') return; // payouts are not invoices
  const { sql } = deps;
  const base = `ag:${payerKey(p.payerNumber)}:${p.paymentDate}:${p.amount}:${p.reference}`;
  if (p.status === '9') {
    // Retried the next banking day: recorded, and a later file carries the final status.
    await sql.begin(async (tx) => {
      const key = `${base}:waiting:${f.writtenAt}`;
      if (!(await claim(tx, f, key, p.line))) return;
      const inv = await invoiceByOcr(tx, f, p.reference);
      await tx`UPDATE payment_records SET outcome = 'waiting', invoice_id = ${inv?.id ?? null} WHERE company_id = ${f.companyId} AND record_key = ${key}`;
    });
    return;
  }
  const key = `${base}:final`;
  if (p.status !== '0') {
    await autogiroFailed(deps, f, key, { line: p.line, reference: p.reference, amount: p.amount, date: p.paymentDate, why: STATUS_TEXT[p.status] ?? `Bankgirot answered with status ${p.status}, which is not known here`, code: `autogiro_status_${p.status}` });
    return;
  }
  await sql.begin(async (tx) => {
    if (!(await claim(tx, f, key, p.line))) return;
    const inv = await invoiceByOcr(tx, f, p.reference);
    if (!inv) {
      await unmatched(tx, f, { key, amount: p.amount, reference: p.reference, payerName: null, date: p.paymentDate, reason: `No invoice of the company has OCR number ${ocrOf(p.reference)}.` });
      return;
    }
    const r = await recordPayment(tx, { tenantId: f.tenantId, invoiceId: inv.id, amount: p.amount, paidAt: p.paymentDate, source: `Autogiro withdrawal from payer ${payerKey(p.payerNumber)}`, dedupeKey: `payment:${f.companyId}:${key}` });
    if (r.outcome === 'refused') {
      await unmatched(tx, f, { key, amount: p.amount, reference: p.reference, payerName: null, date: p.paymentDate, reason: `Not put on the invoice: ${r.reason}.` });
      return;
    }
    await tx`UPDATE payment_records SET outcome = ${r.outcome}, invoice_id = ${inv.id}, amount = ${r.applied} WHERE company_id = ${f.companyId} AND record_key = ${key}`;
  });
}

async function applyRejected(deps: SendServiceDeps, f: FileCtx, r: AutogiroRejected) {
  if (r.tk !== '82') return;
  const key = `ag:${payerKey(r.payerNumber)}:${r.paymentDate}:${r.amount}:${r.reference}:final`;
  await autogiroFailed(deps, f, key, { line: r.line, reference: r.reference, amount: r.amount, date: r.paymentDate, why: `Bankgirot rejected the order: ${REJECTED_TEXT[r.comment] ?? `comment code ${r.comment}`}`, code: `autogiro_rejected_${r.comment}` });
}

async function applyMandate(sql: Sql, f: FileCtx, a: AutogiroMandateAdvice) {
  await sql.begin(async (tx) => {
    const key = `agm:${payerKey(a.payerNumber)}:${a.informationCode}:${a.comment}:${a.date}`;
    if (!(await claim(tx, f, key, a.line))) return;
    await tx`UPDATE payment_records SET outcome = 'mandate' WHERE company_id = ${f.companyId} AND record_key = ${key}`;
    const status = a.comment === MANDATE_ACTIVE ? 'active' : MANDATE_CANCELLED.has(a.comment) ? 'inactive' : null;
    if (!status) return; // an error code: the mandate is left as it is
    await tx`
      UPDATE autogiro_mandates SET status = ${status}
      WHERE tenant_id = ${f.tenantId} AND company_id = ${f.companyId} AND ltrim(payer_number, '0') = ${payerKey(a.payerNumber)}`;
  });
}

/** Every record of the file, once; then the file is done. */
export async function applyPaymentFile(deps: SendServiceDeps, ref: PaymentFileRef): Promise<void> {
  const { sql } = deps;
  const [row] = await sql`SELECT company_id, content, status FROM payment_files WHERE id = ${ref.fileId} AND tenant_id = ${ref.tenantId}`;
  if (!row || row.status === 'done') return;
  const parsed = readPaymentFile(row.content);
  const f: FileCtx = { tenantId: ref.tenantId, companyId: row.company_id as string, fileId: ref.fileId, writtenAt: parsed.writtenAt };
  if (parsed.kind === 'bgmax') for (const d of parsed.deposits) for (const p of d.payments) await applyPayment(sql, f, d, p);
  else if (parsed.kind === 'autogiro_payments') for (const p of parsed.payments) await applyAutogiroPayment(deps, f, p);
  else if (parsed.kind === 'autogiro_rejected') for (const r of parsed.rejected) await applyRejected(deps, f, r);
  else for (const a of parsed.advices) await applyMandate(sql, f, a);
  await sql`UPDATE payment_files SET status = 'done' WHERE id = ${ref.fileId} AND tenant_id = ${ref.tenantId}`;
}
