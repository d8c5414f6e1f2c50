import { REMINDER_METHODS, type InvoiceStatus, type Method, type SendKind } from './methods.js';
import { lastOverdueDueDate } from './bank-days.js';

export interface SendCandidate {
  status: InvoiceStatus;
  dueDate: string;
  activeMethods: Method[];
  reminderDistribution: boolean;
}

export interface Refusal {
  code: 'not_found' | 'invalid_status' | 'no_active_method' | 'reminders_disabled' | 'not_overdue';
  message: string;
}

/** Why an invoice cannot be accepted for a send or reminder request right now, or null if it can (SPEC §4–5). */
export function sendRefusal(kind: SendKind, invoice: SendCandidate | undefined, today: string): Refusal | null {
  if (!invoice) return { code: 'not_found', message: 'No invoice with this id.' };
  const { status } = invoice;
  if (status === 'pending_send') return { code: 'invalid_status', message: 'The invoice is already waiting to be sent.' };
  if (status === 'credited' || status === 'paid') {
    return { code: 'invalid_status', message: `The invoice is ${status} and cannot be ${kind === 'reminder' ? 'reminded' : 'sent'}.` };
  }
  if (kind === 'invoice') {
    if (invoice.activeMethods.length === 0) return { code: 'no_active_method', message: 'The company has no active distribution method.' };
    return null;
  }
  if (status !== 'sent' && status !== 'reminder') {
    return { code: 'invalid_status', message: 'Only sent invoices (or invoices already reminded) can get a reminder.' };
  }
  if (!invoice.reminderDistribution) {
    return { code: 'reminders_disabled', message: 'The company has not turned on distribution of invoice reminders.' };
  }
  if (!invoice.activeMethods.some((m) => REMINDER_METHODS.includes(m))) {
    return { code: 'no_active_method', message: 'The company has no active method that can carry reminders.' };
  }
  // Due on a non-bank day means due on the next bank day.
  if (invoice.dueDate > lastOverdueDueDate(today)) return { code: 'not_overdue', message: `The invoice is not overdue (due ${invoice.dueDate}).` };
  return null;
}
