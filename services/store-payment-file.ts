import { createHash } from 'node:crypto';
import { ulid } from '../platform/ulid.js';
import type { Sql } from '../db/client.js';
import { readPaymentFile } from '../payments/read-payment-file.js';

/**
 * Checks a received file against its layout (a PaymentFileError names the first bad line) and
 * stores it once: the same bytes again are the file stored before.
 */
export async function storePaymentFile(
  sql: Sql,
  o: { tenantId: string; companyId: string; bytes: Uint8Array; source: 'api' | 'inbox'; fileName?: string | null },
): Promise<{ fileId: string; duplicate: boolean; status: 'processing' | 'done' }> {
  const parsed = readPaymentFile(o.bytes);
  const records =
    parsed.kind === 'bgmax' ? parsed.deposits.reduce((n, d) => n + d.payments.length, 0)
    : parsed.kind === 'autogiro_payments' ? parsed.payments.length
    : parsed.kind === 'autogiro_rejected' ? parsed.rejected.length
    : parsed.advices.length;
  const hash = createHash('sha256').update(o.bytes).digest('hex');
  const [created] = await sql`
    INSERT INTO payment_files (id, tenant_id, company_id, kind, content_hash, content, source, file_name, records)
    VALUES (${`pf_${ulid()}`}, ${o.tenantId}, ${o.companyId}, ${parsed.kind}, ${hash}, ${Buffer.from(o.bytes)}, ${o.source}, ${o.fileName ?? null}, ${records})
    ON CONFLICT (company_id, content_hash) DO NOTHING RETURNING id, status`;
  if (created) return { fileId: created.id, duplicate: false, status: created.status };
  const [row] = await sql`SELECT id, status FROM payment_files WHERE company_id = ${o.companyId} AND content_hash = ${hash}`;
  return { fileId: row.id, duplicate: true, status: row.status };
}
