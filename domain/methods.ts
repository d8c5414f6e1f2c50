export const METHODS = ['email', 'central_print', 'e_invoice', 'autogiro', 'own_printer', 'kivra'] as const;
export type Method = (typeof METHODS)[number];

/** Only these can carry payment reminders (SPEC §5). */
export const REMINDER_METHODS: readonly Method[] = ['own_printer', 'email', 'central_print'];

export const INVOICE_STATUSES = ['unsent', 'pending_send', 'sent', 'reminder', 'credited', 'paid'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export type SendKind = 'invoice' | 'reminder';

/** Names a facility clerk recognises, used in history messages. */
export const METHOD_LABEL: Record<Method, string> = {
  email: 'e-mail',
  central_print: 'central print',
  e_invoice: 'e-invoice (Pagero)',
  autogiro: 'Autogiro',
  own_printer: 'own printer',
  kivra: 'Kivra',
};

export const STATUS_LABEL: Record<InvoiceStatus, string> = {
  unsent: 'unsent',
  pending_send: 'pending send',
  sent: 'sent',
  reminder: 'reminder',
  credited: 'credited',
  paid: 'paid',
};
