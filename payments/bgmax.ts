// BgMax ("Bankgiro Inbetalningar", layout BGMAX version 01): incoming payments to a bankgiro.
// Structure: 01 ( 05 ( (20|21) (22|23|25)* 26? 27? 28? 29? )+ 15 )+ 70 — unknown codes are skipped,
// as Bankgirot asks; the section sums and counts in TK15 and the file's counts in TK70 must agree.
import { date, digits, field, numeric, PaymentFileError, records, text, type Record80 } from './fixed-width.js';

export interface BgMaxReference {
  /** Left as written: an OCR number (blanks trimmed) or free text. */
  reference: string;
  /** Öre; a TK23 extra reference counts negative. */
  amount: number;
  referenceCode: number;
  line: number;
}

export interface BgMaxPayment {
  /** A TK21 is a deduction: its amount subtracts. */
  kind: 'payment' | 'deduction';
  line: number;
  senderBankgiro: string;
  reference: string;
  /** Table 1a: 2 is a checked OCR reference. */
  referenceCode: number;
  /** Öre, as written (positive; a deduction subtracts). */
  amount: number;
  channel: number;
  bgcSerial: string;
  /** TK21 only: 0 full, 1 partial (a remainder exists), 2 final. */
  deductionCode: number | null;
  extraReferences: BgMaxReference[];
  information: string[];
  payerName: string | null;
  payerOrgNumber: string | null;
  /** Position within its deposit section, from 1: with the deposit it keys the payment. */
  index: number;
}

export interface BgMaxDeposit {
  payeeBankgiro: string;
  currency: string;
  depositDate: string;
  depositSerial: string;
  /** Öre: the sum of the section's payments minus its deductions. */
  amount: number;
  payments: BgMaxPayment[];
  line: number;
}

export interface BgMaxFile {
  kind: 'bgmax';
  /** TK01's timestamp, as written (20 digits): with the deposit it keys every payment. */
  writtenAt: string;
  test: boolean;
  deposits: BgMaxDeposit[];
}

const PAYMENT_TKS = new Set(['20', '21']);
const KNOWN = new Set(['01', '05', '20', '21', '22', '23', '25', '26', '27', '28', '29', '15', '70']);

function payment(r: Record80, index: number): BgMaxPayment {
  const deduction = r.tk === '21';
  return {
    kind: deduction ? 'deduction' : 'payment',
    line: r.line,
    senderBankgiro: digits(r, 3, 12, 'The sender bankgiro'),
    reference: text(r, 13, 37),
    amount: numeric(r, 38, 55, 'The amount'),
    referenceCode: numeric(r, 56, 56, 'The reference code'),
    channel: numeric(r, 57, 57, 'The payment channel code'),
    bgcSerial: field(r, 58, 69).trim(),
    deductionCode: deduction ? numeric(r, 71, 71, 'The deduction code') : null,
    extraReferences: [],
    information: [],
    payerName: null,
    payerOrgNumber: null,
    index,
  };
}

export function parseBgMax(content: string): BgMaxFile {
  const all = records(content).filter((r) => KNOWN.has(r.tk));
  let at = 0;
  const next = () => all[at];
  const expect = (tk: string, what: string) => {
    const r = next();
    if (!r) throw new PaymentFileError((all.at(-1)?.line ?? 0) + 1, `the file ends where ${what} (TK${tk}) should come.`);
    if (r.tk !== tk) throw new PaymentFileError(r.line, `TK${r.tk} where ${what} (TK${tk}) should come.`);
    at++;
    return r;
  };

  const start = expect('01', 'the start record');
  if (text(start, 3, 22) !== 'BGMAX') throw new PaymentFileError(start.line, `the layout name is "${text(start, 3, 22)}", not BGMAX.`);
  if (field(start, 23, 24) !== '01') throw new PaymentFileError(start.line, `layout version ${field(start, 23, 24)} is not supported (01 is).`);
  const file: BgMaxFile = { kind: 'bgmax', writtenAt: digits(start, 25, 44, 'The file timestamp'), test: field(start, 45, 45) === 'T', deposits: [] };
  const totals = { payments: 0, deductions: 0, extra: 0, deposits: 0 };

  while (next()?.tk === '05') {
    const open = expect('05', 'an opening record');
    const payeeBankgiro = digits(open, 3, 12, 'The payee bankgiro');
    const payments: BgMaxPayment[] = [];
    while (next() && PAYMENT_TKS.has(next().tk)) {
      const p = payment(expect(next().tk, 'a payment'), payments.length + 1);
      if (p.kind === 'payment') totals.payments++;
      else totals.deductions++;
      while (next() && ['22', '23', '25'].includes(next().tk)) {
        const r = expect(next().tk, 'a reference record');
        if (r.tk === '25') {
          p.information.push(text(r, 3, 52));
          continue;
        }
        totals.extra++;
        const amount = numeric(r, 38, 55, 'The amount');
        p.extraReferences.push({ reference: text(r, 13, 37), amount: r.tk === '23' ? -amount : amount, referenceCode: numeric(r, 56, 56, 'The reference code'), line: r.line });
      }
      if (next()?.tk === '26') p.payerName = text(expect('26', 'a name record'), 3, 37) || null;
      if (next()?.tk === '27') expect('27', 'an address record');
      if (next()?.tk === '28') expect('28', 'an address record');
      if (next()?.tk === '29') p.payerOrgNumber = text(expect('29', 'an organisation number record'), 3, 14) || null;
      payments.push(p);
    }
    if (!payments.length) {
      const r = next();
      throw new PaymentFileError(r?.line ?? open.line + 1, 'a deposit section has no payment (TK20 or TK21).');
    }
    const close = expect('15', 'the deposit record closing the section');
    totals.deposits++;
    const deposit: BgMaxDeposit = {
      payeeBankgiro,
      currency: text(open, 23, 25) || text(close, 69, 71),
      depositDate: date(close, 38, 'The deposit date'),
      depositSerial: digits(close, 46, 50, 'The deposit serial number'),
      amount: numeric(close, 51, 68, 'The deposit amount'),
      payments,
      line: close.line,
    };
    const sum = payments.reduce((n, p) => n + (p.kind === 'payment' ? p.amount : -p.amount), 0);
    if (sum !== deposit.amount) {
      throw new PaymentFileError(close.line, `the deposit amount ${deposit.amount} öre differs from its payments less deductions, ${sum} öre.`);
    }
    const count = numeric(close, 72, 79, 'The number of payment records');
    if (count !== payments.length) throw new PaymentFileError(close.line, `the deposit says ${count} payment records; the section has ${payments.length}.`);
    file.deposits.push(deposit);
  }
  if (!file.deposits.length) {
    const r = next();
    throw new PaymentFileError(r?.line ?? start.line + 1, 'the file has no deposit section (TK05 … TK15).');
  }
  const end = expect('70', 'the end record');
  const said = {
    payments: numeric(end, 3, 10, 'The number of payments'),
    deductions: numeric(end, 11, 18, 'The number of deductions'),
    extra: numeric(end, 19, 26, 'The number of extra references'),
    deposits: numeric(end, 27, 34, 'The number of deposits'),
  };
  for (const k of ['payments', 'deductions', 'extra', 'deposits'] as const) {
    if (said[k] !== totals[k]) throw new PaymentFileError(end.line, `the end record counts ${said[k]} ${k}; the file has ${totals[k]}.`);
  }
  if (next()) throw new PaymentFileError(next().line, `TK${next().tk} after the end record.`);
  return file;
}
