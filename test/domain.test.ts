import { describe, expect, it } from 'vitest';
import { generateOcr, isValidOcr, luhnCheckDigit } from '../domain/ocr.js';
import { computeTotals } from '../domain/totals.js';
import { openingRecord, withdrawalRecord } from '../channels/autogiro-file.js';
import { stockholmToday } from '../domain/dates.js';
import { sendRefusal } from '../domain/send-refusal.js';

describe('OCR references (shared/formats/ocr.md)', () => {
  it('matches the documented example: 1636976 — length digit 7, check digit 6', () => {
    expect(generateOcr('16369', 'x')).toBe('1636976');
    expect(isValidOcr('1636976')).toBe(true);
  });
  it('generated references carry a valid length and check digit, at most 25 digits', () => {
    for (const number of ['1', '1001', '2026-0042', 'A-77/3', '9'.repeat(40)]) {
      const ocr = generateOcr(number, '123');
      expect(ocr).toMatch(/^\d{2,25}$/);
      expect(isValidOcr(ocr)).toBe(true);
      expect(Number(ocr.at(-2))).toBe(ocr.length % 10);
    }
  });
  it('refuses a wrong check digit, letters and wrong lengths', () => {
    expect(isValidOcr('1636975')).toBe(false);
    expect(isValidOcr('16369A6')).toBe(false);
    expect(isValidOcr('1')).toBe(false);
    expect(isValidOcr('1'.repeat(26))).toBe(false);
  });
  it('Luhn over a Swedish organisation number', () => {
    expect(luhnCheckDigit('556732170')).toBe(7); // 556732-1707
  });
});

describe('totals in öre', () => {
  it('VAT per rate on the rate’s summed base, rounded once per rate', () => {
    const t = computeTotals([
      { description: 'a', quantity: 3, unitAmount: 333, vatRate: 25 }, // 999
      { description: 'b', quantity: 1, unitAmount: 1, vatRate: 25 }, // 1
      { description: 'c', quantity: 1.5, unitAmount: 1999, vatRate: 6 }, // 2998.5 → 2999
      { description: 'd', quantity: 1, unitAmount: 5000, vatRate: 0 },
    ]);
    expect(t.vatGroups).toEqual([
      { rate: 25, taxableAmount: 1000, vatAmount: 250 },
      { rate: 6, taxableAmount: 2999, vatAmount: 180 },
      { rate: 0, taxableAmount: 5000, vatAmount: 0 },
    ]);
    expect(t).toMatchObject({ netAmount: 8999, vatAmount: 430, totalAmount: 9429 });
  });
});

describe('Autogiro records', () => {
  it('are exactly 80 characters with fields where the layout puts them', () => {
    const tk01 = openingRecord({ date: '2026-11-27', customerNumber: '4711', bankgiro: '5050-1055' });
    expect(tk01).toHaveLength(80);
    expect(tk01.slice(0, 2)).toBe('01');
    expect(tk01.slice(2, 10)).toBe('20261127');
    expect(tk01.slice(10, 62)).toBe('AUTOGIRO'.padEnd(52));
    expect(tk01.slice(62, 68)).toBe('004711');
    expect(tk01.slice(68, 78)).toBe('0050501055');
    const tk82 = withdrawalRecord({ paymentDate: 'GENAST', payerNumber: '12345', amountOre: 123456, bankgiro: '5050-1055', reference: '1636976' });
    expect(tk82).toHaveLength(80);
    expect(tk82.slice(2, 10)).toBe('GENAST  ');
    expect(tk82.slice(10, 11)).toBe('0');
    expect(tk82.slice(11, 14)).toBe('   ');
    expect(tk82.slice(15, 31)).toBe('0000000000012345');
    expect(tk82.slice(31, 43)).toBe('000000123456');
    expect(tk82.slice(53, 69)).toBe('1636976         ');
  });
  it('refuse values that do not fit', () => {
    expect(() => withdrawalRecord({ paymentDate: '2026-12-01', payerNumber: '1'.repeat(17), amountOre: 1, bankgiro: '1', reference: '1' })).toThrow();
    expect(() => withdrawalRecord({ paymentDate: '2026-12-01', payerNumber: '1', amountOre: 0, bankgiro: '1', reference: '1' })).toThrow();
  });
});

describe('dates are Swedish calendar dates', () => {
  it('late evening UTC is already tomorrow in Stockholm', () => {
    expect(stockholmToday(new Date('2026-11-27T23:30:00Z'))).toBe('2026-11-28');
    expect(stockholmToday(new Date('2026-07-01T21:59:00Z'))).toBe('2026-07-01');
    expect(stockholmToday(new Date('2026-07-01T22:00:00Z'))).toBe('2026-07-02');
  });
});

describe('who may be sent or reminded (request time)', () => {
  const ok = { status: 'sent' as const, dueDate: '2026-10-01', activeMethods: ['email' as const], reminderDistribution: true };
  const today = '2026-11-27';
  it.each([
    ['invoice', undefined, 'not_found'],
    ['invoice', { ...ok, status: 'pending_send' }, 'invalid_status'],
    ['invoice', { ...ok, status: 'paid' }, 'invalid_status'],
    ['invoice', { ...ok, status: 'credited' }, 'invalid_status'],
    ['invoice', { ...ok, activeMethods: [] }, 'no_active_method'],
    ['invoice', { ...ok, status: 'unsent' }, null],
    ['invoice', ok, null],
    ['reminder', { ...ok, status: 'unsent' }, 'invalid_status'],
    ['reminder', { ...ok, reminderDistribution: false }, 'reminders_disabled'],
    ['reminder', { ...ok, activeMethods: ['e_invoice', 'autogiro'] }, 'no_active_method'],
    ['reminder', { ...ok, dueDate: today }, 'not_overdue'],
    ['reminder', { ...ok, status: 'reminder' }, null],
    ['reminder', ok, null],
  ] as const)('%s %o → %s', (kind, invoice, code) => {
    expect(sendRefusal(kind, invoice as never, today)?.code ?? null).toBe(code);
  });
});
