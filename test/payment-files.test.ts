// The BgMax parser against files built from the layout: what it reads, and each way a file is refused
// with the line of the first bad record.
import { describe, expect, it } from 'vitest';
import { parseBgMax } from '../payments/bgmax.js';
import { decodeBankFile, PaymentFileError } from '../payments/fixed-width.js';
import { bgmaxFile, rec } from './helpers/bank-file-builder.js';

const refused = (content: string) => {
  try {
    parseBgMax(content);
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
