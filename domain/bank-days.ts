// Swedish bank days: not a Saturday or Sunday, not a public holiday, and not the three eves the
// banks keep closed (midsummer eve, Christmas eve, New Year's eve). Dates are ISO `YYYY-MM-DD`.
import { getHolidays } from 'swedish-holidays';
import { addDays } from './dates.js';

const CLOSED_EVES = new Set(['Midsommarafton', 'Julafton', 'Nyårsafton']);
const closedByYear = new Map<number, Map<string, string>>();

/** The year's public holidays and closed eves, by date, with their Swedish names. */
export function closedDays(year: number): Map<string, string> {
  let days = closedByYear.get(year);
  if (!days) {
    days = new Map(
      getHolidays(year)
        .filter((h) => h.isPublicHoliday || CLOSED_EVES.has(h.name))
        .map((h) => [`${h.year}-${String(h.month).padStart(2, '0')}-${String(h.day).padStart(2, '0')}`, h.name]),
    );
    closedByYear.set(year, days);
  }
  return days;
}

const weekday = (iso: string) => new Date(`${iso}T00:00:00Z`).getUTCDay();

export function isBankDay(iso: string): boolean {
  const d = weekday(iso);
  return d !== 0 && d !== 6 && !closedDays(Number(iso.slice(0, 4))).has(iso);
}

/** The date itself when it is a bank day, else the first bank day after it. */
export function nextBankDay(iso: string): string {
  let d = iso;
  while (!isBankDay(d)) d = addDays(d, 1);
  return d;
}

/**
 * The last due date that is overdue on `today`: an invoice due on a non-bank day is due on the
 * next bank day, so one due on Saturday is not overdue on Monday.
 */
export function lastOverdueDueDate(today: string): string {
  let d = addDays(today, -1);
  while (nextBankDay(d) >= today) d = addDays(d, -1);
  return d;
}

/** The n-th bank day after a date (n ≥ 1): sent on a Friday, one bank day later is Monday. */
export function addBankDays(iso: string, n: number): string {
  let d = iso;
  for (let left = n; left > 0; ) {
    d = addDays(d, 1);
    if (isBankDay(d)) left--;
  }
  return d;
}
