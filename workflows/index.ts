export { sendInvoice } from './send-invoice.js';
export { deliverWebhooks } from './deliver-webhooks.js';
export { applyPaymentFile } from './apply-payment-file.js';
export { scanPaymentsInbox } from './scan-payments-inbox.js';
export { findPersonalDataFiles, erasePersonalDataFiles } from './personal-data-files.js';
export { applyPersonalDataRetention } from './personal-data-retention.js';
export { scanUnopenedEmails } from './scan-unopened-emails.js';
