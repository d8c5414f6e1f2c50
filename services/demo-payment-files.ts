// Two files a newcomer's demo inbox starts with: a BgMax payment of one gym invoice, and an
// Autogiro payment specification in which the swimming hall's withdrawal found no money.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from '../db/client.js';
import { stockholmToday } from '../domain/dates.js';

const num = (v: number | string, width: number) => String(v).padStart(width, '0');
const line = (s: string) => s.padEnd(80, ' ');

export function demoBgMax(o: { ocr: string; amount: number; date: string; written: string }): string {
  const d = o.date.replace(/-/g, '');
  return [
    line(`01${'BGMAX'.padEnd(20)}01${o.written}P`),
    line(`05${num('50501055', 10)}${' '.repeat(10)}SEK`),
    line(`20${num(0, 10)}${o.ocr.padStart(25)}${num(o.amount, 18)}21${num(1, 12)}0`),
    line('26Erik Lind'),
    line(`15${num('50000000012345678', 35)}${d}${num(1, 5)}${num(o.amount, 18)}SEK${num(1, 8)}`),
    line(`70${num(1, 8)}${num(0, 8)}${num(0, 8)}${num(1, 8)}`),
  ].join('\r\n') + '\r\n';
}

export function demoAutogiroFailure(o: { ocr: string; amount: number; payer: string; date: string; written: string; customerNumber: string }): string {
  const d = o.date.replace(/-/g, '');
  return [
    line(`01AUTOGIRO${' '.repeat(14)}${o.written}${'BET. SPEC & STOPP TK'}${num(o.customerNumber, 6)}${num('50501055', 10)}`),
    line(`15${num('50000000012345678', 35)}${d}${num(1, 5)}${num(0, 18)}   ${num(0, 8)}`),
    `82${d}0    ${num(o.payer, 16)}${num(o.amount, 12)}${num('50501055', 10)}${num(o.ocr, 16)}${' '.repeat(10)}1`,
    line(`09${d}9900${num(1, 6)}${num(0, 12)}${num(0, 6)}${num(0, 12)}${num(0, 6)}${num(0, 12)}`),
  ].join('\r\n') + '\r\n';
}

export async function writeDemoPaymentFiles(inboxDir: string, files: { companyId: string; name: string; content: string }[]): Promise<void> {
  for (const f of files) {
    const dir = path.join(inboxDir, f.companyId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(path.join(dir, f.name), Buffer.from(f.content, 'latin1'), { mode: 0o600 });
  }
}

/** The gym's invoice 1002 paid by Bankgiro; the hall's Autogiro member's invoice 2002 not drawn for lack of money. */
export async function seedDemoPaymentFiles(sql: Sql, inboxDir: string, companyIds: string[]): Promise<void> {
  const [gym, hall] = companyIds;
  const invoices = await sql`SELECT company_id, number, ocr, total_amount FROM invoices WHERE company_id = ANY(${companyIds}::text[]) AND number IN ('1002', '2002')`;
  const paid = invoices.find((i) => i.company_id === gym && i.number === '1002');
  const drawn = invoices.find((i) => i.company_id === hall && i.number === '2002');
  const [hallRow] = await sql`SELECT autogiro_customer_number FROM companies WHERE id = ${hall}`;
  const [mandate] = await sql`SELECT payer_number FROM autogiro_mandates WHERE company_id = ${hall} LIMIT 1`;
  if (!paid || !drawn || !mandate) return;
  const date = stockholmToday();
  const stamp = `${date.replace(/-/g, '')}120000000001`;
  await writeDemoPaymentFiles(inboxDir, [
    { companyId: gym, name: `bgmax-${date}.txt`, content: demoBgMax({ ocr: paid.ocr, amount: Number(paid.total_amount), date, written: stamp }) },
    { companyId: hall, name: `autogiro-${date}.txt`, content: demoAutogiroFailure({ ocr: drawn.ocr, amount: Number(drawn.total_amount), payer: mandate.payer_number, date, written: stamp, customerNumber: hallRow.autogiro_customer_number }) },
  ]);
}
