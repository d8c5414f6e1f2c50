// The Swedish bank-day calendar: weekends, public holidays (Easter moves every year) and the
// three eves the banks keep closed; what it does to due dates.
import { describe, expect, it } from 'vitest';
import { closedDays, isBankDay, lastOverdueDueDate, nextBankDay } from '../domain/bank-days.js';
import { sendRefusal } from '../domain/send-refusal.js';

describe('bank days', () => {
  it('knows Easter, Ascension and midsummer for several years', () => {
    const table: [number, { goodFriday: string; easterMonday: string; ascension: string; midsummerEve: string }][] = [
      [2024, { goodFriday: '2024-03-29', easterMonday: '2024-04-01', ascension: '2024-05-09', midsummerEve: '2024-06-21' }],
      [2025, { goodFriday: '2025-04-18', easterMonday: '2025-04-21', ascension: '2025-05-29', midsummerEve: '2025-06-20' }],
      [2026, { goodFriday: '2026-04-03', easterMonday: '2026-04-06', ascension: '2026-05-14', midsummerEve: '2026-06-19' }],
      [2027, { goodFriday: '2027-03-26', easterMonday: '2027-03-29', ascension: '2027-05-06', midsummerEve: '2027-06-25' }],
      [2028, { goodFriday: '2028-04-14', easterMonday: '2028-04-17', ascension: '2028-05-25', midsummerEve: '2028-06-23' }],
    ];
    for (const [year, days] of table) {
      const closed = closedDays(year);
      expect(closed.get(days.goodFriday), `${year} Good Friday`).toBe('Långfredagen');
      expect(closed.get(days.easterMonday), `${year} Easter Monday`).toBe('Annandag påsk');
      expect(closed.get(days.ascension), `${year} Ascension`).toBe('Kristi himmelsfärdsdag');
      expect(closed.get(days.midsummerEve), `${year} midsummer eve`).toBe('Midsommarafton');
      for (const fixed of ['01-01', '01-06', '05-01', '06-06', '12-24', '12-25', '12-26', '12-31']) {
        expect(isBankDay(`${year}-${fixed}`), `${year}-${fixed}`).toBe(false);
      }
    }
  });

  it('the 2026–2027 closed weekdays and the next bank day after each', () => {
    const rows = [2026, 2027].flatMap((y) => [...closedDays(y)].filter(([d]) => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay())).map(([d, name]) => `${d} ${name} → ${nextBankDay(d)}`));
    expect(rows).toEqual([
      '2026-01-01 Nyårsdagen → 2026-01-02',
      '2026-01-06 Trettondedag jul → 2026-01-07',
      '2026-04-03 Långfredagen → 2026-04-07',
      '2026-04-06 Annandag påsk → 2026-04-07',
      '2026-05-01 Första maj → 2026-05-04',
      '2026-05-14 Kristi himmelsfärdsdag → 2026-05-15',
      '2026-06-19 Midsommarafton → 2026-06-22',
      '2026-12-24 Julafton → 2026-12-28',
      '2026-12-25 Juldagen → 2026-12-28',
      '2026-12-31 Nyårsafton → 2027-01-04',
      '2027-01-01 Nyårsdagen → 2027-01-04',
      '2027-01-06 Trettondedag jul → 2027-01-07',
      '2027-03-26 Långfredagen → 2027-03-30',
      '2027-03-29 Annandag påsk → 2027-03-30',
      '2027-05-06 Kristi himmelsfärdsdag → 2027-05-07',
      '2027-06-25 Midsommarafton → 2027-06-28',
      '2027-12-24 Julafton → 2027-12-27',
      '2027-12-31 Nyårsafton → 2028-01-03',
    ]);
    expect(nextBankDay('2026-11-27')).toBe('2026-11-27');
    expect(nextBankDay('2026-11-28')).toBe('2026-11-30');
  });

  it('an invoice due on a non-bank day is overdue only after the next bank day', () => {
    // Due Saturday 28 November 2026: due in fact on Monday 30th, overdue from Tuesday.
    expect(lastOverdueDueDate('2026-11-30')).toBe('2026-11-27');
    expect(lastOverdueDueDate('2026-12-01')).toBe('2026-11-30');
    // Due on Good Friday 2026: overdue from Wednesday after Easter Monday.
    expect(lastOverdueDueDate('2026-04-07')).toBe('2026-04-02');
    expect(lastOverdueDueDate('2026-04-08')).toBe('2026-04-07');
    const invoice = { status: 'sent' as const, dueDate: '2026-11-28', activeMethods: ['email' as const], reminderDistribution: true };
    expect(sendRefusal('reminder', invoice, '2026-11-30')).toMatchObject({ code: 'not_overdue' });
    expect(sendRefusal('reminder', invoice, '2026-12-01')).toBeNull();
  });
});
