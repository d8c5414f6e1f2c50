import QRCode from 'qrcode';
import { usingQrPayload, type PaymentQrFacts } from '../domain/payment-qr.js';

/**
 * The payment QR code as SVG (one path, crisp edges), the same picture for the PDF, the invoice
 * page and anywhere else; error correction M, a quiet zone of two modules.
 */
export async function paymentQrSvg(facts: PaymentQrFacts): Promise<string> {
  return QRCode.toString(usingQrPayload(facts), { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** The payment QR code as a PNG (for e-mail clients, which do not show inline SVG). */
export async function paymentQrPng(facts: PaymentQrFacts, width = 240): Promise<Buffer> {
  return QRCode.toBuffer(usingQrPayload(facts), { type: 'png', errorCorrectionLevel: 'M', margin: 2, width });
}
