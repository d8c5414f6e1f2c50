export { sendInvoice } from './send-invoice.js';
