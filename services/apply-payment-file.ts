// Applies a stored BgMax file to the company's invoices: each payment (or each of its extra
// references) in its own transaction, keyed so that a record seen again changes nothing — the
// same file twice, or the activity retried after its worker died halfway.
import { ulid } from 'ulid';
import type { Queryable, Sql } from '../db/client.js';
import { recordPayment } from '../db/invoice-state.js';
import type { BgMaxDeposit, BgMaxFile, BgMaxPayment } from '../payments/bgmax.js';
import { readPaymentFile } from '../payments/read-payment-file.js';

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

async function applyPayment(sql: Sql, f: { tenantId: string; companyId: string; fileId: string; writtenAt: string }, d: BgMaxDeposit, p: BgMaxPayment) {
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
        const [used] = await tx`SELECT coalesce(sum(amount), 0)::bigint AS n FROM payment_records WHERE company_id = ${f.companyId} AND record_key LIKE ${`${base}:%`} AND record_key <> ${part.key}`;
        amount = Math.max(0, p.amount - Number(used.n));
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
      const [used] = await tx`SELECT coalesce(sum(amount), 0)::bigint AS n FROM payment_records WHERE company_id = ${f.companyId} AND record_key LIKE ${`${base}:%`} AND record_key <> ${key}`;
      const rest = p.amount - Number(used.n);
      if (rest > 0) await unmatched(tx, f, { key, amount: rest, reference: parts.map((x) => x.reference).join(', '), payerName: p.payerName, date: d.depositDate, reason: 'More than the referenced invoices asked for.' });
    });
  }
}

/** Every record of the file, once; then the file is done. */
export async function applyPaymentFile(deps: { sql: Sql }, ref: PaymentFileRef): Promise<void> {
  const { sql } = deps;
  const [row] = await sql`SELECT company_id, content, status FROM payment_files WHERE id = ${ref.fileId} AND tenant_id = ${ref.tenantId}`;
  if (!row || row.status === 'done') return;
  const parsed = readPaymentFile(row.content) as BgMaxFile;
  const f = { tenantId: ref.tenantId, companyId: row.company_id as string, fileId: ref.fileId, writtenAt: parsed.writtenAt };
  for (const d of parsed.deposits) for (const p of d.payments) await applyPayment(sql, f, d, p);
  await sql`UPDATE payment_files SET status = 'done' WHERE id = ${ref.fileId} AND tenant_id = ${ref.tenantId}`;
}
