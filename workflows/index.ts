export { sendInvoice } from './send-invoice.js';
export { deliverWebhooks } from './deliver-webhooks.js';
