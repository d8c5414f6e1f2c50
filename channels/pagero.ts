import { writePrivateFile } from '../platform/private-files.js';
import { inSpan } from '../platform/tracing.js';
import path from 'node:path';
import { readProviderResponse } from './permanent-error.js';

export interface EInvoiceChannel {
  submit(doc: { deliveryId: string; invoiceNumber: string; ubl: string }): Promise<{ documentId: string }>;
}

/**
 * Pagero's interchange upload when PAGERO_API_URL is set: the UBL file, bearer auth and an
 * idempotency key (our delivery id). Without it, UBL files land in the e-invoice outbox.
 */
export function createEInvoiceChannel(opts: { url: string | null; token: string | null; outboxDir: string }): EInvoiceChannel {
  if (opts.url) {
    const endpoint = new URL('interchanges', opts.url.endsWith('/') ? opts.url : `${opts.url}/`).toString();
    return {
      async submit({ deliveryId, invoiceNumber, ubl }) {
        const res = await inSpan('POST pagero interchanges', { 'http.request.method': 'POST', 'url.full': endpoint }, () => fetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/xml; charset=utf-8',
            'idempotency-key': deliveryId,
            'x-document-name': `invoice-${invoiceNumber.replace(/[^A-Za-z0-9_-]/g, '_')}.xml`,
            ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          },
          body: ubl,
          signal: AbortSignal.timeout(60_000),
        }));
        const body = await readProviderResponse(res, 'Pagero');
        const documentId = body.documentId ?? body.id;
        if (typeof documentId !== 'string' || !documentId) throw new Error('Pagero did not return a document id');
        return { documentId };
      },
    };
  }
  return {
    async submit({ deliveryId, ubl }) {
      await writePrivateFile(path.join(opts.outboxDir, `${deliveryId}.xml`), ubl, { atomic: true });
      return { documentId: `file:${deliveryId}` };
    },
  };
}
