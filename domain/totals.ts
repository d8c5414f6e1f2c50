export interface InvoiceLine {
  description: string;
  quantity: number;
  unitAmount: number; // öre, excluding VAT
  vatRate: number; // percent
}

export interface VatGroup {
  rate: number;
  taxableAmount: number;
  vatAmount: number;
}

export interface Totals {
  netAmount: number;
  vatAmount: number;
  totalAmount: number;
  vatGroups: VatGroup[];
}

export function lineNet(line: InvoiceLine): number {
  return Math.round(line.quantity * line.unitAmount);
}

/** VAT is computed per rate on the rate's summed base (as EN 16931 does), rounded to whole öre. */
export function computeTotals(lines: InvoiceLine[]): Totals {
  const byRate = new Map<number, number>();
  for (const line of lines) byRate.set(line.vatRate, (byRate.get(line.vatRate) ?? 0) + lineNet(line));
  const vatGroups = [...byRate.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([rate, taxableAmount]) => ({ rate, taxableAmount, vatAmount: Math.round((taxableAmount * rate) / 100) }));
  const netAmount = vatGroups.reduce((s, g) => s + g.taxableAmount, 0);
  const vatAmount = vatGroups.reduce((s, g) => s + g.vatAmount, 0);
  return { netAmount, vatAmount, totalAmount: netAmount + vatAmount, vatGroups };
}
