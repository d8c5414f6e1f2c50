// What a payment reminder charges on top of the unpaid amount: the company's reminder fee (at most
// the statutory 60 kr, charged once per invoice) and late-payment interest at the reference rate
// plus 8 percentage points (räntelagen 6 §), counted in days from the due date to the reminder
// date over a 365-day year. Amounts in öre.
import { nextBankDay } from './bank-days.js';
import { addDays, daysBetween } from './dates.js';

/** Lag (1981:739) om ersättning för inkassokostnader: 60 kr for a written reminder. */
export const MAX_REMINDER_FEE_ORE = 6000;
/** Days a reminder gives the customer to pay, moved to the next bank day. */
export const REMINDER_PAYMENT_DAYS = 10;

export interface LateInterest {
  mode: 'none' | 'reference_plus_8';
  referenceRatePercent: number | null;
  referenceRateDate: string | null;
}

export interface ReminderCharges {
  /** The unpaid part of the invoice itself. */
  principal: number;
  fee: number;
  interest: number;
  interestDays: number;
  /** Yearly rate applied, in percent (0 when the company charges no interest). */
  interestRatePercent: number;
  /** The reference rate's date, when interest is charged. */
  referenceRateDate: string | null;
  total: number;
  /** When the reminder is to be paid: a bank day. */
  dueDate: string;
}


export function reminderCharges(o: {
  principal: number;
  /** The invoice's due date; one on a non-bank day is due on the next bank day. */
  invoiceDueDate: string;
  reminderDate: string;
  feeSetting: number;
  /** A fee an earlier reminder of this invoice already charged: it is carried, not charged again. */
  feeAlreadyCharged: number | null;
  lateInterest: LateInterest;
}): ReminderCharges {
  const principal = Math.max(0, o.principal);
  const fee = o.feeAlreadyCharged ?? Math.min(Math.max(0, o.feeSetting), MAX_REMINDER_FEE_ORE);
  const charging = o.lateInterest.mode === 'reference_plus_8' && o.lateInterest.referenceRatePercent != null;
  const interestRatePercent = charging ? Number(o.lateInterest.referenceRatePercent) + 8 : 0;
  const interestDays = charging ? Math.max(0, daysBetween(nextBankDay(o.invoiceDueDate), o.reminderDate)) : 0;
  const interest = Math.round((principal * interestRatePercent * interestDays) / (100 * 365));
  return {
    principal,
    fee,
    interest,
    interestDays,
    interestRatePercent,
    referenceRateDate: charging ? o.lateInterest.referenceRateDate : null,
    total: principal + fee + interest,
    dueDate: nextBankDay(addDays(o.reminderDate, REMINDER_PAYMENT_DAYS)),
  };
}
