// Builds Bankgirot records field by field from the layouts in formats/payments.md (never copies
// of Bankgirot's example files): each field at its 1-based position.

type Field = [from: number, value: string | number, width?: number];

/** An 80-character record: `tk` at 1-2, numbers zero-filled to their width, text blank-filled. */
export function rec(tk: string, ...fields: Field[]): string {
  const chars = Array(80).fill(' ');
  chars[0] = tk[0];
  chars[1] = tk[1];
  for (const [from, value, width] of fields) {
    const s = typeof value === 'number' ? String(value).padStart(width ?? String(value).length, '0') : value.padEnd(width ?? value.length, ' ');
    if (from - 1 + s.length > 80) throw new Error(`field at ${from} overflows: ${s}`);
    for (let i = 0; i < s.length; i++) chars[from - 1 + i] = s[i];
  }
  return chars.join('');
}

export interface BgPayment {
  tk?: '20' | '21';
  reference: string;
  amount: number;
  refCode?: number;
  /** OCR numbers are right-aligned in their 25 positions. */
  rightAligned?: boolean;
  deductionCode?: number;
  extra?: { tk: '22' | '23'; reference: string; amount: number; refCode?: number }[];
  info?: string[];
  name?: string;
}

const refField = (reference: string, right: boolean) => (right ? reference.padStart(25, ' ') : reference.padEnd(25, ' '));

/** A whole BgMax file: one deposit per entry of `deposits`, counts and sums filled in. */
export function bgmaxFile(o: {
  payee?: string;
  deposits: { date: string; serial?: number; payments: BgPayment[]; amountOverride?: number }[];
  writtenAt?: string;
  countsOverride?: Partial<{ payments: number; deductions: number; extra: number; deposits: number }>;
}): string {
  const payee = o.payee ?? '0001234566';
  const lines = [rec('01', [3, 'BGMAX', 20], [23, '01'], [25, o.writtenAt ?? '20261127120000123456'], [45, 'P'])];
  const counts = { payments: 0, deductions: 0, extra: 0, deposits: 0 };
  o.deposits.forEach((d, i) => {
    lines.push(rec('05', [3, payee], [23, 'SEK']));
    let sum = 0;
    for (const p of d.payments) {
      const tk = p.tk ?? '20';
      if (tk === '20') counts.payments++;
      else counts.deductions++;
      sum += tk === '20' ? p.amount : -p.amount;
      const fields: Field[] = [[3, '0000000000'], [13, refField(p.reference, p.rightAligned ?? true)], [38, p.amount, 18], [56, p.refCode ?? 2, 1], [57, 1, 1], [58, '000000000010'], [70, 0, 1]];
      if (tk === '21') fields.push([71, p.deductionCode ?? 0, 1]);
      lines.push(rec(tk, ...fields));
      for (const x of p.extra ?? []) {
        counts.extra++;
        lines.push(rec(x.tk, [3, '0000000000'], [13, refField(x.reference, true)], [38, x.amount, 18], [56, x.refCode ?? 2, 1], [57, 1, 1], [58, '000000000010'], [70, 0, 1]));
      }
      for (const text of p.info ?? []) lines.push(rec('25', [3, text, 50]));
      if (p.name) lines.push(rec('26', [3, p.name, 35]));
    }
    counts.deposits++;
    lines.push(rec('15', [3, '00000000000000000005000000001234567'], [38, d.date.replace(/-/g, '')], [46, d.serial ?? i + 1, 5], [51, d.amountOverride ?? sum, 18], [69, 'SEK'], [72, d.payments.length, 8]));
  });
  const c = { ...counts, ...o.countsOverride };
  lines.push(rec('70', [3, c.payments, 8], [11, c.deductions, 8], [19, c.extra, 8], [27, c.deposits, 8]));
  return `${lines.join('\r\n')}\r\n`;
}

export interface AgPayment {
  payer: string;
  amount: number;
  reference: string;
  status: '0' | '1' | '2' | '9' | string;
  date?: string;
  tk?: '82' | '32';
}

const AG_OPEN = (content: string, written: string) =>
  rec('01', [3, 'AUTOGIRO'], [25, written.padEnd(20, ' ')], [45, content.padEnd(20, ' ')], [65, '123456'], [71, '0001234566']);

/** A payment specification (BET. SPEC & STOPP TK): one TK15 section of withdrawals; sums cover approved ones. */
export function autogiroPaymentsFile(o: { date: string; payments: AgPayment[]; written?: string; sectionAmountOverride?: number }): string {
  const d = o.date.replace(/-/g, '');
  const approved = o.payments.filter((p) => p.status === '0');
  const lines = [
    AG_OPEN('BET. SPEC & STOPP TK', o.written ?? `${d}060512000001`),
    rec('15', [3, '00000000000000000005000000001234567'], [38, d], [46, 1, 5], [51, o.sectionAmountOverride ?? approved.reduce((n, p) => n + p.amount, 0), 18], [72, approved.length, 8]),
    ...o.payments.map((p) =>
      rec(p.tk ?? '82', [3, (p.date ?? o.date).replace(/-/g, '')], [11, '0'], [16, p.payer.padStart(16, '0')], [32, p.amount, 12], [44, '0001234566'], [54, p.reference.padStart(16, '0')], [80, p.status]),
    ),
    rec('09', [3, d], [11, '9900'], [15, 1, 6], [21, approved.length, 12], [33, 0, 6], [39, 0, 12], [51, 0, 6], [57, 0, 12]),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** Rejected payment orders (AVVISADE BET UPPDR) with their comment codes. */
export function autogiroRejectedFile(o: { date: string; orders: { payer: string; amount: number; reference: string; comment: string }[] }): string {
  const d = o.date.replace(/-/g, '');
  const lines = [
    AG_OPEN('AVVISADE BET UPPDR', d),
    ...o.orders.map((x) => rec('82', [3, d], [11, '0'], [15, x.payer.padStart(16, '0')], [31, x.amount, 12], [43, x.reference, 16], [59, x.comment])),
    rec('09', [3, d], [11, '9900'], [15, 0, 6], [21, 0, 12], [33, o.orders.length, 6], [39, o.orders.reduce((n, x) => n + x.amount, 0), 12]),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** Mandate advice (AG-MEDAVI): TK73 per mandate with information and comment codes. */
export function autogiroMandatesFile(o: { date: string; advices: { payer: string; info: string; comment: string }[] }): string {
  const d = o.date.replace(/-/g, '');
  const lines = [
    AG_OPEN('AG-MEDAVI', d),
    ...o.advices.map((a) => rec('73', [3, '0001234566'], [13, a.payer.padStart(16, '0')], [29, '8327000001234567'], [45, '198001011234'], [57, '00000'], [62, a.info], [64, a.comment], [66, d])),
    rec('09', [3, d], [11, '9900'], [15, o.advices.length, 7]),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
