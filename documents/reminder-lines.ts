import type { ReminderCharges } from '../domain/reminder-charges.js';
import { LABELS, interestBasis, type Language } from './labels.js';

export interface AmountLine {
  label: string;
  /** How the amount was counted (the interest's days and rate). */
  detail?: string;
  amount: number;
  bold?: boolean;
}

/**
 * What a reminder asks for, line by line — the original amount, what was paid, the fee, the
 * interest with its basis, and the new total — the same in the PDF and the e-mail.
 */
export function reminderAmountLines(charges: ReminderCharges, invoiceTotal: number, language: Language): AmountLine[] {
  const L = LABELS[language];
  const paid = invoiceTotal - charges.principal;
  return [
    { label: L.originalAmount, amount: invoiceTotal, bold: true },
    ...(paid > 0 ? [{ label: L.alreadyPaid, amount: -paid }] : []),
    ...(charges.fee > 0 ? [{ label: L.reminderFee, amount: charges.fee }] : []),
    ...(charges.interestRatePercent > 0 ? [{ label: L.lateInterest, detail: interestBasis(charges, language), amount: charges.interest }] : []),
    { label: L.total, amount: charges.total, bold: true },
  ];
}
