// The BgMax parser against files built from the layout: what it reads, and each way a file is refused
// with the line of the first bad record.
import { describe, expect, it } from 'vitest';
import { parseBgMax } from '../payments/bgmax.js';
import { decodeBankFile, PaymentFileError } from '../payments/fixed-width.js';
import { autogiroMandatesFile, autogiroPaymentsFile, autogiroRejectedFile, bgmaxFile, rec } from './helpers/bank-file-builder.js';
import { parseAutogiroResult } from '../payments/autogiro-results.js';
import { readPaymentFile } from '../payments/read-payment-file.js';

const refused = (content: string, parse: (c: string) => unknown = parseBgMax) => {
  try {
    parse(content);
  } catch (e) {
    if (e instanceof PaymentFileError) return { line: e.line, message: e.message };
    throw e;
  }
  throw new Error('the file was accepted');
};

describe('BgMax', () => {
  it('reads the synthetic example of formats/payments.md exactly (lines as published, trailing blanks and all)', () => {
    const file = [
      '01BGMAX               0120261127120000123456T                                   ',
      '050001234566          SEK                                                       ',
      '200000000000                   471169000000000000125000210000000000010          ',
      '26Exempel Fastighet AB                                                          ',
      '15000000000000000000050000000012345672026112700001000000000000125000SEK00000001 ',
      '7000000001000000000000000000000001                                              ',
    ].join('\r\n');
    const parsed = parseBgMax(file);
    expect(parsed).toMatchObject({ kind: 'bgmax', writtenAt: '20261127120000123456', test: true });
    expect(parsed.deposits).toHaveLength(1);
    const [d] = parsed.deposits;
    expect(d).toMatchObject({ payeeBankgiro: '0001234566', currency: 'SEK', depositDate: '2026-11-27', depositSerial: '00001', amount: 125000 });
    expect(d.payments).toEqual([
      expect.objectContaining({ kind: 'payment', reference: '471169', amount: 125000, referenceCode: 2, channel: 1, payerName: 'Exempel Fastighet AB', index: 1, line: 3 }),
    ]);
  });

  it('reads two deposits, a deduction, extra references (TK23 negative), information records; LF and stripped blanks are fine', () => {
    const content = bgmaxFile({
      deposits: [
        { date: '2026-11-27', payments: [{ reference: '471169', amount: 100000 }, { tk: '21', reference: '471169', amount: 20000, deductionCode: 1 }] },
        {
          date: '2026-11-28',
          payments: [{
            reference: '', amount: 140000, refCode: 0,
            extra: [{ tk: '22', reference: '100008', amount: 100000 }, { tk: '22', reference: '200006', amount: 90000 }, { tk: '23', reference: '300004', amount: 50000 }],
            info: ['Medlemsavgift och kurs'],
          }],
        },
      ],
    }).replace(/ +\r\n/g, '\n');
    const parsed = parseBgMax(content);
    expect(parsed.deposits.map((d) => d.amount)).toEqual([80000, 140000]);
    expect(parsed.deposits[0].payments[1]).toMatchObject({ kind: 'deduction', amount: 20000, deductionCode: 1, index: 2 });
    expect(parsed.deposits[1].payments[0].extraReferences.map((x) => [x.reference, x.amount])).toEqual([['100008', 100000], ['200006', 90000], ['300004', -50000]]);
    expect(parsed.deposits[1].payments[0].information).toEqual(['Medlemsavgift och kurs']);
  });

  it('skips unknown record codes, as Bankgirot asks', () => {
    const lines = bgmaxFile({ deposits: [{ date: '2026-11-27', payments: [{ reference: '471169', amount: 5000 }] }] }).split('\r\n');
    lines.splice(3, 0, rec('99', [3, 'a record type from a later layout']));
    expect(parseBgMax(lines.join('\r\n')).deposits[0].payments).toHaveLength(1);
  });

  it('refuses a deposit whose amount is not its payments less deductions, naming the TK15 line', () => {
    const r = refused(bgmaxFile({ deposits: [{ date: '2026-11-27', amountOverride: 99999, payments: [{ reference: '471169', amount: 100000 }] }] }));
    expect(r).toEqual({ line: 4, message: 'Line 4: the deposit amount 99999 öre differs from its payments less deductions, 100000 öre.' });
  });

  it('refuses an end record whose counts disagree with the file', () => {
    const r = refused(bgmaxFile({ deposits: [{ date: '2026-11-27', payments: [{ reference: '471169', amount: 100 }] }], countsOverride: { payments: 2 } }));
    expect(r).toEqual({ line: 5, message: 'Line 5: the end record counts 2 payments; the file has 1.' });
  });

  it('refuses a line damaged by TABs, naming it', () => {
    const lines = bgmaxFile({ deposits: [{ date: '2026-11-27', payments: [{ reference: '471169', amount: 100 }] }] }).split('\r\n');
    lines[2] = lines[2].replace('            ', '\t\t');
    expect(refused(lines.join('\r\n')).line).toBe(3);
    expect(refused(lines.join('\r\n')).message).toContain('TAB');
  });

  it('refuses records out of order, letters in an amount, an impossible date, a long line, a missing end', () => {
    const good = bgmaxFile({ deposits: [{ date: '2026-11-27', payments: [{ reference: '471169', amount: 100 }] }] }).split('\r\n');
    const swapped = [...good];
    [swapped[1], swapped[2]] = [swapped[2], swapped[1]];
    expect(refused(swapped.join('\r\n'))).toEqual({ line: 2, message: 'Line 2: the file has no deposit section (TK05 … TK15).' });
    const letters = [...good];
    letters[2] = `${letters[2].slice(0, 40)}ABC${letters[2].slice(43)}`;
    expect(refused(letters.join('\r\n'))).toMatchObject({ line: 3, message: expect.stringContaining('The amount (positions 38-55) must be digits') });
    const badDate = [...good];
    badDate[3] = `${badDate[3].slice(0, 37)}20261131${badDate[3].slice(45)}`;
    expect(refused(badDate.join('\r\n'))).toEqual({ line: 4, message: 'Line 4: The deposit date "20261131" is not a date.' });
    const long = [...good];
    long[1] = `${long[1]}X`;
    expect(refused(long.join('\r\n'))).toEqual({ line: 2, message: 'Line 2: is 81 characters long; records are at most 80.' });
    expect(refused(good.slice(0, 4).join('\r\n'))).toEqual({ line: 5, message: 'Line 5: the file ends where the end record (TK70) should come.' });
  });

  it('reads ISO-8859-1 bytes and UTF-8 alike', () => {
    const name = 'Åsa Öberg';
    const content = bgmaxFile({ deposits: [{ date: '2026-11-27', payments: [{ reference: '471169', amount: 100, name }] }] });
    expect(parseBgMax(decodeBankFile(Buffer.from(content, 'latin1'))).deposits[0].payments[0].payerName).toBe(name);
    expect(parseBgMax(decodeBankFile(Buffer.from(content, 'utf8'))).deposits[0].payments[0].payerName).toBe(name);
  });
});

describe('Autogiro result files (new layout)', () => {
  it('reads the synthetic payment specification of formats/payments.md: one approved, one without funds', () => {
    const file = [
      '01AUTOGIRO              20261127060512000001BET. SPEC & STOPP TK1234560001234566',
      '15000000000000000000050000000012345672026112700001000000000000125000   00000001 ',
      '82202611270    000000000010001700000012500000012345660000000000471169          0',
      '82202611270    000000000010002500000009900000012345660000000000004711          1',
      '09202611279900000001000000000001000000000000000000000000000000000000            ',
    ].join('\r\n');
    const parsed = parseAutogiroResult(file);
    expect(parsed).toMatchObject({ kind: 'autogiro_payments', customerNumber: '123456', payeeBankgiro: '0001234566', writtenAt: '20261127060512000001' });
    expect(parsed.kind === 'autogiro_payments' && parsed.payments.map((p) => [p.payerNumber, p.amount, p.reference, p.status, p.paymentDate])).toEqual([
      ['0000000000100017', 125000, '471169', '0', '2026-11-27'],
      ['0000000000100025', 99000, '4711', '1', '2026-11-27'],
    ]);
  });

  it('reads statuses 0, 1, 2 and 9; section sums count approved withdrawals only', () => {
    const parsed = readPaymentFile(Buffer.from(autogiroPaymentsFile({
      date: '2026-11-27',
      payments: [
        { payer: '100017', amount: 30000, reference: '100008', status: '0' },
        { payer: '100025', amount: 30000, reference: '200006', status: '1' },
        { payer: '100033', amount: 30000, reference: '300004', status: '2' },
        { payer: '100041', amount: 30000, reference: '400002', status: '9' },
      ],
    }), 'latin1'));
    expect(parsed.kind === 'autogiro_payments' && parsed.payments.map((p) => p.status)).toEqual(['0', '1', '2', '9']);
  });

  it('refuses a section amount that is not the sum of its approved withdrawals', () => {
    const content = autogiroPaymentsFile({ date: '2026-11-27', sectionAmountOverride: 60000, payments: [{ payer: '100017', amount: 30000, reference: '100008', status: '0' }, { payer: '100025', amount: 30000, reference: '200006', status: '1' }] });
    expect(refused(content, parseAutogiroResult)).toEqual({ line: 2, message: 'Line 2: the section amount 60000 öre differs from its approved records, 30000 öre.' });
  });

  it('reads rejected orders with their comment codes, and checks the end record', () => {
    const parsed = parseAutogiroResult(autogiroRejectedFile({ date: '2026-11-27', orders: [{ payer: '100017', amount: 30000, reference: '100008', comment: '01' }] }));
    expect(parsed.kind === 'autogiro_rejected' && parsed.rejected).toEqual([expect.objectContaining({ payerNumber: '0000000000100017', amount: 30000, reference: '100008', comment: '01', line: 2 })]);
    const broken = autogiroRejectedFile({ date: '2026-11-27', orders: [{ payer: '100017', amount: 30000, reference: '100008', comment: '01' }] }).replace(/^(09.{36})\d{12}/m, (_m, head) => `${head}000000030001`);
    expect(refused(broken, parseAutogiroResult)).toEqual({ line: 3, message: 'Line 3: the end record says 30001 öre of withdrawals; the file has 30000.' });
  });

  it('reads mandate advice: 32 a new mandate, 03/46 cancellations', () => {
    const parsed = parseAutogiroResult(autogiroMandatesFile({ date: '2026-11-27', advices: [{ payer: '100017', info: '04', comment: '32' }, { payer: '100025', info: '46', comment: '02' }] }));
    expect(parsed.kind === 'autogiro_mandates' && parsed.advices.map((a) => [a.payerNumber, a.informationCode, a.comment, a.date])).toEqual([
      ['0000000000100017', '04', '32', '2026-11-27'],
      ['0000000000100025', '46', '02', '2026-11-27'],
    ]);
  });

  it('refuses the old layout with a message saying to order the new one', () => {
    const old = `${rec('01', [3, '20261127AUTOGIRO9900'])}\r\n`;
    const r = refused(old, (c) => readPaymentFile(Buffer.from(c)));
    expect(r.line).toBe(1);
    expect(r.message).toContain('old layout');
    expect(r.message).toContain('new layout');
  });

  it('refuses a file that is neither BgMax nor Autogiro', () => {
    expect(refused('hello\r\n', (c) => readPaymentFile(Buffer.from(c)))).toEqual({ line: 1, message: 'Line 1: this is neither a BgMax file (01BGMAX…) nor an Autogiro result file (01AUTOGIRO…).' });
  });
});
