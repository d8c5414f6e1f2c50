import { writePrivateFile } from '../platform/private-files.js';
import { inSpan } from '../platform/tracing.js';
import path from 'node:path';
import { readProviderResponse } from './permanent-error.js';

/** What the print house needs besides the PDF to print, envelope, frank and post one letter. */
export interface PrintManifest {
  deliveryId: string;
  documentType: 'invoice' | 'reminder';
  invoiceNumber: string;
  company: { id: string; name: string; orgNumber: string };
  recipient: { name: string; attention: string | null; street: string; postalCode: string; city: string; country: string };
  pages: number;
  color: boolean;
  duplex: boolean;
  /** PostNord economy letter ("B") for invoices; first class ("A") would cost more and is not needed. */
  postageClass: 'A' | 'B';
  envelope: 'C5-window-left';
  /** Several letters in one envelope: the PDF is an address page, then each of these in order. */
  letters?: { deliveryId: string; documentType: 'invoice' | 'reminder'; invoiceNumber: string; pages: number }[];
}

export interface PrintProvider {
  submit(job: { manifest: PrintManifest; pdf: Buffer }): Promise<{ jobId: string }>;
}

/**
 * HTTP print provider when PRINT_PROVIDER_URL is set (multipart PDF + manifest, bearer token,
 * Idempotency-Key = our delivery id); else a file drop as a print house's SFTP folder receives it.
 */
export function createPrintProvider(opts: { url: string | null; token: string | null; outboxDir: string }): PrintProvider {
  if (opts.url) {
    const endpoint = new URL('print-jobs', opts.url.endsWith('/') ? opts.url : `${opts.url}/`).toString();
    return {
      async submit({ manifest, pdf }) {
        const form = new FormData();
        form.append('manifest', new Blob([JSON.stringify(manifest)], { type: 'application/json' }), 'manifest.json');
        form.append('document', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), `${manifest.deliveryId}.pdf`);
        const res = await inSpan('POST print-jobs', { 'http.request.method': 'POST', 'url.full': endpoint }, () => fetch(endpoint, {
          method: 'POST',
          headers: { 'idempotency-key': manifest.deliveryId, ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
          body: form,
          signal: AbortSignal.timeout(60_000),
        }));
        const body = await readProviderResponse(res, 'The print provider');
        const jobId = body.jobId ?? body.id;
        if (typeof jobId !== 'string' || !jobId) throw new Error('The print provider did not return a job id');
        return { jobId };
      },
    };
  }
  return {
    async submit({ manifest, pdf }) {
      const base = path.join(opts.outboxDir, manifest.deliveryId);
      // PDF first, manifest last: a print house picks up a job when its manifest appears.
      await writePrivateFile(`${base}.pdf`, pdf);
      await writePrivateFile(`${base}.json`, JSON.stringify(manifest, null, 2), { atomic: true });
      return { jobId: `file:${manifest.deliveryId}` };
    },
  };
}
