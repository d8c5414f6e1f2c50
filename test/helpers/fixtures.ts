import type { Harness } from './harness.js';

export const ADDRESS = { street: 'Sveavägen 10', postalCode: '113 50', city: 'Stockholm', country: 'SE' };

export interface Settings {
  reminderFee?: number;
  lateInterest?: { mode: string; referenceRatePercent?: number | null; referenceRateDate?: string | null };
  combineEnvelopes?: boolean;
  activeMethods: string[];
  defaultMethod: string | null;
  fallbackMethod?: string | null;
  reminderDistribution?: boolean;
  undoWindowSeconds?: number;
  linkInvoiceToOrganization?: boolean;
}

function expectStatus(res: { status: number; text: string }, status: number, what: string) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${res.text}`);
}

/** Builds a tenant's data through the public API, as a billing system would. */
export function fixtures(h: Harness, key: string) {
  let invoiceSeq = 1000;
  return {
    async company(settings: Settings, extra: Record<string, unknown> = {}) {
      const res = await h.request('POST', '/v1/companies', {
        key,
        body: {
          name: 'Friskvården Gym AB',
          orgNumber: '556677-8899',
          vatNumber: 'SE556677889901',
          address: { street: 'Idrottsvägen 1', postalCode: '114 33', city: 'Stockholm', country: 'SE' },
          email: 'info@gym.example',
          bankgiro: '5050-1055',
          ...extra,
        },
      });
      expectStatus(res, 201, 'company');
      const put = await h.request('PUT', `/v1/companies/${res.json.id}/distribution-settings`, {
        key,
        body: {
          fallbackMethod: null,
          reminderDistribution: false,
          undoWindowSeconds: 0,
          linkInvoiceToOrganization: false,
          ...settings,
        },
      });
      expectStatus(put, 200, 'settings');
      return res.json.id as string;
    },
    async template(companyId: string, body: Record<string, unknown> = { name: 'Svensk', language: 'sv' }) {
      const res = await h.request('POST', `/v1/companies/${companyId}/templates`, { key, body });
      expectStatus(res, 201, 'template');
      return res.json.id as string;
    },
    async person(body: Record<string, unknown> = {}) {
      const res = await h.request('POST', '/v1/persons', {
        key,
        body: { name: 'Åsa Öberg', email: 'asa@example.com', address: ADDRESS, ...body },
      });
      expectStatus(res, 201, 'person');
      return res.json.id as string;
    },
    async organization(body: Record<string, unknown> = {}) {
      const res = await h.request('POST', '/v1/organizations', {
        key,
        body: { name: 'Byggbolaget AB', orgNumber: '556732-1707', email: 'ekonomi@bygg.example', address: ADDRESS, ...body },
      });
      expectStatus(res, 201, 'organization');
      return res.json.id as string;
    },
    async reference(organizationId: string, body: Record<string, unknown>) {
      const res = await h.request('POST', `/v1/organizations/${organizationId}/invoice-references`, { key, body });
      expectStatus(res, 201, 'reference');
      return res.json.id as string;
    },
    async invoice(companyId: string, personId: string, extra: Record<string, unknown> = {}) {
      const res = await h.request('POST', '/v1/invoices', {
        key,
        body: {
          companyId,
          personId,
          number: String(++invoiceSeq),
          issueDate: '2026-11-01',
          dueDate: '2026-11-30',
          lines: [
            { description: 'Årskort gym', quantity: 1, unitAmount: 399900, vatRate: 6 },
            { description: 'Handduk', quantity: 2, unitAmount: 2500, vatRate: 25 },
          ],
          ...extra,
        },
      });
      expectStatus(res, 201, 'invoice');
      return res.json as { id: string; number: string; ocr: string; totalAmount: number; email: string | null };
    },
  };
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, opts: { timeoutMs?: number; what?: string; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

export async function waitForStatus(h: Harness, invoiceId: string, status: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const [row] = await h.sql`SELECT * FROM invoices WHERE id = ${invoiceId}`;
      return row?.status === status ? row : null;
    },
    { timeoutMs, what: `invoice ${invoiceId} to become ${status}` },
  );
}

export async function history(h: Harness, invoiceId: string) {
  return h.sql`SELECT type, message, method, recipient, workflow_id, error FROM invoice_history WHERE invoice_id = ${invoiceId} ORDER BY id`;
}
