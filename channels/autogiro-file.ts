// Bankgirot Autogiro payment-order file ("new" layout, ../shared/formats/autogiro.md):
// 80-character records, numeric fields right-aligned zero-padded, text left-aligned blank-padded, CRLF.

const num = (value: string | number, width: number) => {
  const s = String(value).replace(/\D/g, '');
  if (s.length > width) throw new Error(`${s} does not fit in ${width} digits`);
  return s.padStart(width, '0');
};
const alnum = (value: string, width: number) => {
  if (value.length > width) throw new Error(`"${value}" does not fit in ${width} characters`);
  return value.padEnd(width, ' ');
};
const compact = (date: string) => date.replace(/-/g, '');

/** TK01: date, "AUTOGIRO", Bankgirot customer number, payee bankgiro. */
export function openingRecord(o: { date: string; customerNumber: string; bankgiro: string }): string {
  return '01' + compact(o.date) + alnum('AUTOGIRO', 52) + num(o.customerNumber, 6) + num(o.bankgiro, 10) + '  ';
}

/** TK82: one withdrawal from a payer — once (period code 0, blank repetitions). */
export function withdrawalRecord(w: { paymentDate: string | 'GENAST'; payerNumber: string; amountOre: number; bankgiro: string; reference: string }): string {
  if (!Number.isInteger(w.amountOre) || w.amountOre <= 0) throw new Error('an Autogiro withdrawal needs a positive amount in öre');
  const date = w.paymentDate === 'GENAST' ? 'GENAST  ' : compact(w.paymentDate);
  return '82' + date + '0' + '   ' + ' ' + num(w.payerNumber, 16) + num(w.amountOre, 12) + num(w.bankgiro, 10) + alnum(w.reference, 16) + ' '.repeat(11);
}

export function paymentFile(opening: string, records: string[]): string {
  return [opening, ...records].map((r) => `${r}\r\n`).join('');
}
