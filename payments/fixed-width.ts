// Bankgirot's files: fixed-width 80-character records, ISO-8859-1 (UTF-8 accepted), CRLF or LF,
// trailing blanks sometimes stripped. Positions below are 1-based and inclusive, as the manuals write them.

/** A file that does not follow its layout; `line` is the 1-based number of the first bad record. */
export class PaymentFileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`Line ${line}: ${message}`);
  }
}

export interface Record80 {
  /** 1-based line number in the file. */
  line: number;
  /** Transaction code, positions 1-2. */
  tk: string;
  /** The line right-padded to 80 characters. */
  text: string;
}

/** UTF-8 when the bytes are valid UTF-8, else ISO-8859-1 (what Bankgirot sends). */
export function decodeBankFile(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

/** The file's records; blank lines at the end are dropped, anything malformed is named by its line. */
export function records(text: string): Record80[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  if (!lines.length) throw new PaymentFileError(1, 'the file is empty.');
  return lines.map((raw, i) => {
    const line = i + 1;
    if (raw.includes('\t')) throw new PaymentFileError(line, 'contains a TAB character where the layout has blanks; the file was changed after Bankgirot wrote it.');
    if (raw.trim() === '') throw new PaymentFileError(line, 'is empty between records.');
    if (raw.length > 80) throw new PaymentFileError(line, `is ${raw.length} characters long; records are at most 80.`);
    return { line, tk: raw.slice(0, 2), text: raw.padEnd(80, ' ') };
  });
}

/** Characters `from`..`to` (1-based, inclusive). */
export const field = (r: Record80, from: number, to: number) => r.text.slice(from - 1, to);

/** A numeric field: digits only (zero-filled), else the record is refused. */
export function numeric(r: Record80, from: number, to: number, name: string): number {
  const v = field(r, from, to);
  if (!/^\d+$/.test(v)) throw new PaymentFileError(r.line, `${name} (positions ${from}-${to}) must be digits, not "${v.trim()}".`);
  return Number(v);
}

/** A numeric field kept as text (bankgiro and payer numbers, serials). */
export function digits(r: Record80, from: number, to: number, name: string): string {
  const v = field(r, from, to);
  if (!/^\d+$/.test(v)) throw new PaymentFileError(r.line, `${name} (positions ${from}-${to}) must be digits, not "${v.trim()}".`);
  return v;
}

/** YYYYMMDD as an ISO date, checked to be a real day. */
export function date(r: Record80, from: number, name: string): string {
  const v = digits(r, from, from + 7, name);
  const iso = `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}`;
  const d = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso) throw new PaymentFileError(r.line, `${name} "${v}" is not a date.`);
  return iso;
}

export const text = (r: Record80, from: number, to: number) => field(r, from, to).trim();
