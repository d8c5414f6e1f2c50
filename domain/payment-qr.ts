/**
 * The payment QR code's content in the UsingQR format that Swedish bank apps read (API.md,
 * "From delivered to paid"): a JSON object with exactly these fields, in this order.
 */
export interface PaymentQrFacts {
  companyName: string;
  orgNumber: string;
  ocr: string;
  /** YYYY-MM-DD */
  issueDate: string;
  /** YYYY-MM-DD: the date the amount is due by (a reminder's own due date when it has one). */
  dueDate: string;
  /** The amount still to pay, in öre. */
  amountToPay: number;
  bankgiro: string;
}

const compactDate = (iso: string) => iso.replaceAll('-', '');

/**
 * `{"uqr":1,"tp":1,"nme":…,"cid":…,"iref":…,"idt":…,"ddt":…,"due":…,"pt":"BG","acc":…}` with
 * `due` in kronor written with two decimals (a JSON number, so `1250.00`, not a string).
 */
export function usingQrPayload(f: PaymentQrFacts): string {
  if (!Number.isSafeInteger(f.amountToPay) || f.amountToPay < 0) throw new Error(`amountToPay must be whole öre ≥ 0, got ${f.amountToPay}`);
  const due = `${Math.floor(f.amountToPay / 100)}.${String(f.amountToPay % 100).padStart(2, '0')}`;
  const s = JSON.stringify;
  return (
    `{"uqr":1,"tp":1,"nme":${s(f.companyName)},"cid":${s(f.orgNumber)},"iref":${s(f.ocr)},` +
    `"idt":${s(compactDate(f.issueDate))},"ddt":${s(compactDate(f.dueDate))},"due":${due},"pt":"BG","acc":${s(f.bankgiro)}}`
  );
}
