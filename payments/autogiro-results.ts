// Autogiro result files in Bankgirot's new layout: the payment specification (BET. SPEC & STOPP TK),
// rejected payment orders (AVVISADE BET UPPDR) and mandate advice (AG-MEDAVI). The old layout is refused.
import { date, digits, field, numeric, PaymentFileError, records, text, type Record80 } from './fixed-width.js';

/** A withdrawal (82) or payout (32) order as Bankgirot reports it back. */
interface AutogiroOrder {
  line: number;
  tk: '82' | '32';
  paymentDate: string;
  payerNumber: string;
  amount: number;
  /** As echoed back; leading zeros and blanks stripped (BGC pads it either way). */
  reference: string;
}

export interface AutogiroPayment extends AutogiroOrder {
  /** 0 approved, 1 insufficient funds, 2 no Autogiro link, 9 retried next banking day; others unknown. */
  status: string;
}

export interface AutogiroRejected extends AutogiroOrder {
  /** 01 no mandate, 02 account not approved, 03 mandate stopped, … (formats/payments.md 2b). */
  comment: string;
}

export interface AutogiroMandateAdvice {
  line: number;
  payeeBankgiro: string;
  payerNumber: string;
  informationCode: string;
  /** 32 new mandate (active); 33, 01, 02, 06, 07, 98 cancelled; others an error. */
  comment: string;
  date: string;
}

interface Opening {
  customerNumber: string;
  payeeBankgiro: string;
  /** TK01's date or timestamp, as written: keys the file. */
  writtenAt: string;
}

export type AutogiroFile =
  | ({ kind: 'autogiro_payments'; payments: AutogiroPayment[] } & Opening)
  | ({ kind: 'autogiro_rejected'; rejected: AutogiroRejected[] } & Opening)
  | ({ kind: 'autogiro_mandates'; advices: AutogiroMandateAdvice[] } & Opening);

const CONTENT = {
  'BET. SPEC & STOPP TK': 'autogiro_payments',
  'AVVISADE BET UPPDR': 'autogiro_rejected',
  'AG-MEDAVI': 'autogiro_mandates',
} as const;

/** The old layout: `01YYYYMMDDAUTOGIRO9900…` or `01YYYYMMDD9900…AG-MEDAVI`. */
export function isOldAutogiroLayout(firstLine: string): boolean {
  return /^01\d{8}(AUTOGIRO|9900)/.test(firstLine);
}

const reference = (r: Record80, from: number, to: number) => text(r, from, to).replace(/^0+/, '');

function endRecord(all: Record80[], at: number): Record80 {
  const end = all[at];
  if (!end) throw new PaymentFileError((all.at(-1)?.line ?? 0) + 1, 'the file ends where the end record (TK09) should come.');
  if (end.tk !== '09') throw new PaymentFileError(end.line, `TK${end.tk} where the end record (TK09) should come.`);
  if (field(end, 11, 14) !== '9900') throw new PaymentFileError(end.line, 'the end record lacks 9900 at positions 11-14.');
  if (all[at + 1]) throw new PaymentFileError(all[at + 1].line, `TK${all[at + 1].tk} after the end record.`);
  return end;
}

function mismatch(end: Record80, what: string, said: number, found: number): never {
  throw new PaymentFileError(end.line, `the end record says ${said} ${what}; the file has ${found}.`);
}

function paymentSpecification(all: Record80[], opening: Opening): AutogiroFile {
  const payments: AutogiroPayment[] = [];
  const counted = { sections15: 0, approved82: 0, sections16: 0, approved32: 0, sections17: 0, refunds: 0 };
  let at = 1;
  while (all[at] && ['15', '16', '17'].includes(all[at].tk)) {
    const open = all[at++];
    const item = { '15': '82', '16': '32', '17': '77' }[open.tk as '15' | '16' | '17'];
    date(open, 38, 'The payment date');
    const sectionAmount = numeric(open, 51, 68, 'The section amount');
    const sectionCount = numeric(open, 72, 79, 'The number of records');
    let approvedSum = 0;
    let approvedCount = 0;
    while (all[at] && all[at].tk === item) {
      const r = all[at++];
      if (item === '77') {
        counted.refunds++;
        approvedSum += numeric(r, 32, 43, 'The amount');
        approvedCount++;
        continue;
      }
      const p: AutogiroPayment = {
        line: r.line,
        tk: item as '82' | '32',
        paymentDate: date(r, 3, 'The payment date'),
        payerNumber: digits(r, 16, 31, 'The payer number'),
        amount: numeric(r, 32, 43, 'The amount'),
        reference: reference(r, 54, 69),
        status: field(r, 80, 80),
      };
      if (!/^\d$/.test(p.status)) throw new PaymentFileError(r.line, `the payment status code at position 80 is "${p.status}", not a digit.`);
      payments.push(p);
      // Section sums and counts cover approved records only (status 0).
      if (p.status === '0') {
        approvedSum += p.amount;
        approvedCount++;
      }
    }
    if (open.tk === '15') {
      counted.sections15++;
      counted.approved82 += approvedCount;
    } else if (open.tk === '16') {
      counted.sections16++;
      counted.approved32 += approvedCount;
    } else counted.sections17++;
    if (approvedSum !== sectionAmount) throw new PaymentFileError(open.line, `the section amount ${sectionAmount} öre differs from its approved records, ${approvedSum} öre.`);
    if (approvedCount !== sectionCount) throw new PaymentFileError(open.line, `the section says ${sectionCount} approved records; it has ${approvedCount}.`);
  }
  const end = endRecord(all, at);
  const said = {
    sections15: numeric(end, 15, 20, 'The number of TK15 sections'),
    approved82: numeric(end, 21, 32, 'The number of approved withdrawals'),
    sections16: numeric(end, 33, 38, 'The number of TK16 sections'),
    approved32: numeric(end, 39, 50, 'The number of approved payouts'),
    sections17: numeric(end, 51, 56, 'The number of TK17 sections'),
    refunds: numeric(end, 57, 68, 'The number of refunds'),
  };
  for (const k of Object.keys(said) as (keyof typeof said)[]) if (said[k] !== counted[k]) mismatch(end, k, said[k], counted[k]);
  return { kind: 'autogiro_payments', ...opening, payments };
}

function rejectedOrders(all: Record80[], opening: Opening): AutogiroFile {
  const rejected: AutogiroRejected[] = [];
  let at = 1;
  while (all[at] && (all[at].tk === '82' || all[at].tk === '32')) {
    const r = all[at++];
    rejected.push({
      line: r.line,
      tk: r.tk as '82' | '32',
      paymentDate: date(r, 3, 'The payment date'),
      payerNumber: digits(r, 15, 30, 'The payer number'),
      amount: numeric(r, 31, 42, 'The amount'),
      reference: reference(r, 43, 58),
      comment: digits(r, 59, 60, 'The comment code'),
    });
  }
  const end = endRecord(all, at);
  const of = (tk: string) => rejected.filter((x) => x.tk === tk);
  const checks: [string, number, number][] = [
    ['payouts (TK32)', numeric(end, 15, 20, 'The number of TK32'), of('32').length],
    ['öre of payouts', numeric(end, 21, 32, 'The sum of TK32'), of('32').reduce((n, x) => n + x.amount, 0)],
    ['withdrawals (TK82)', numeric(end, 33, 38, 'The number of TK82'), of('82').length],
    ['öre of withdrawals', numeric(end, 39, 50, 'The sum of TK82'), of('82').reduce((n, x) => n + x.amount, 0)],
  ];
  for (const [what, said, found] of checks) if (said !== found) mismatch(end, what, said, found);
  return { kind: 'autogiro_rejected', ...opening, rejected };
}

function mandateAdvice(all: Record80[], opening: Opening): AutogiroFile {
  const advices: AutogiroMandateAdvice[] = [];
  let at = 1;
  while (all[at] && all[at].tk === '73') {
    const r = all[at++];
    advices.push({
      line: r.line,
      payeeBankgiro: digits(r, 3, 12, 'The payee bankgiro'),
      payerNumber: digits(r, 13, 28, 'The payer number'),
      informationCode: digits(r, 62, 63, 'The information code'),
      comment: digits(r, 64, 65, 'The comment code'),
      date: date(r, 66, 'The date'),
    });
  }
  const end = endRecord(all, at);
  const said = numeric(end, 15, 21, 'The number of TK73 records');
  if (said !== advices.length) mismatch(end, 'mandate advices (TK73)', said, advices.length);
  return { kind: 'autogiro_mandates', ...opening, advices };
}

export function parseAutogiroResult(content: string): AutogiroFile {
  const all = records(content);
  const start = all[0];
  if (isOldAutogiroLayout(start.text)) {
    throw new PaymentFileError(start.line, 'this Autogiro file is in the old layout, which is not read; ask your bank to send Autogiro reports in the new layout.');
  }
  if (start.tk !== '01' || field(start, 3, 10) !== 'AUTOGIRO') throw new PaymentFileError(start.line, 'an Autogiro file starts with 01AUTOGIRO.');
  const content45 = text(start, 45, 64) as keyof typeof CONTENT;
  const kind = CONTENT[content45];
  if (!kind) throw new PaymentFileError(start.line, `Autogiro files of content "${content45}" are not read (payment specifications, rejected orders and mandate advice are).`);
  const opening: Opening = {
    writtenAt: text(start, 25, 44),
    customerNumber: digits(start, 65, 70, 'The customer number'),
    payeeBankgiro: digits(start, 71, 80, 'The payee bankgiro'),
  };
  if (kind === 'autogiro_payments') return paymentSpecification(all, opening);
  if (kind === 'autogiro_rejected') return rejectedOrders(all, opening);
  return mandateAdvice(all, opening);
}
