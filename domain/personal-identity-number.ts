// Swedish personal identity numbers (personnummer, and samordningsnummer with 60 added to the
// day) in the 12-digit form Kivra and the tax agency use: YYYYMMDDNNNC, C a Luhn check digit
// over the ten digits from YYMMDD on.
import { luhnCheckDigit } from './ocr.js';

/** The number as 12 digits when it is a valid one (a hyphen before the last four is allowed), else null. */
export function normalizePersonalIdentityNumber(input: string): string | null {
  const m = /^(\d{8})-?(\d{4})$/.exec(input.trim());
  if (!m) return null;
  const digits = m[1] + m[2];
  const year = Number(digits.slice(0, 4));
  const month = Number(digits.slice(4, 6));
  let day = Number(digits.slice(6, 8));
  if (day > 60) day -= 60; // samordningsnummer
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1800 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  if (luhnCheckDigit(digits.slice(2, 11)) !== Number(digits[11])) return null;
  return digits;
}

/** What a clerk sees in the history: the date part, the rest hidden (the number is personal data). */
export function maskPersonalIdentityNumber(pin: string): string {
  return `${pin.slice(0, 8)}-****`;
}
