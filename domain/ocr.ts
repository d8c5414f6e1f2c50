/** Swedish OCR references (Bankgirot): digits only, a length digit and a Luhn (mod 10) check digit. */

export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = digits.length - 1, weight = 2; i >= 0; i--, weight = weight === 2 ? 1 : 2) {
    const p = Number(digits[i]) * weight;
    sum += p > 9 ? p - 9 : p;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidOcr(ocr: string): boolean {
  if (!/^\d{2,25}$/.test(ocr)) return false;
  return luhnCheckDigit(ocr.slice(0, -1)) === Number(ocr.at(-1));
}

/**
 * Builds a reference from the invoice number's digits with both length and check digit, so
 * that every control level a payee's bank agreement may set accepts it (shared/formats/ocr.md).
 */
export function generateOcr(invoiceNumber: string, fallbackSeed: string): string {
  let base = invoiceNumber.replace(/\D/g, '');
  if (base.length === 0) base = fallbackSeed.replace(/\D/g, '') || '1';
  base = base.slice(-23);
  const lengthDigit = String((base.length + 2) % 10);
  const withLength = base + lengthDigit;
  return withLength + String(luhnCheckDigit(withLength));
}
