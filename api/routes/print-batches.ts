import { z } from '@hono/zod-openapi';
import { PDFDocument } from 'pdf-lib';
import { newRouter, route, json, type AppDeps } from '../context.js';
import { ParamsId } from '../schemas.js';
import { invalid, notFound } from '../problem.js';
import { combineEnvelope, envelopeLetterOf, MAX_LETTERS_PER_ENVELOPE, renderAddressPage } from '../../documents/envelope.js';

const PrintBatch = z
  .object({ id: z.string(), companyId: z.string(), createdAt: z.string(), invoiceIds: z.array(z.string()), pageCount: z.number().int() })
  .openapi('PrintBatch');

/** Consecutive letters to the same address (the rows come ordered by it), as many as an envelope takes. */
function envelopes<T extends Record<string, any>>(rows: readonly T[]): T[][] {
  const groups: T[][] = [];
  for (const r of rows) {
    const last = groups.at(-1);
    if (last && last[0].recipient === r.recipient && last.length < MAX_LETTERS_PER_ENVELOPE) last.push(r);
    else groups.push([r]);
  }
  return groups;
}

export function printBatchRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();

  /**
   * Merges the batch's PDFs once and keeps the result with the number of deliveries it holds.
   * With one envelope per customer (the company's setting), a customer's several letters follow
   * an address page, each starting on a new sheet.
   */
  async function mergeBatch(id: string, tenantId: string): Promise<Uint8Array> {
    const docs = await sql`
      SELECT doc.content, d.recipient, i.number, i.due_date, i.total_amount, i.currency, i.reminder_charges,
             coalesce(si.input->>'kind', 'invoice') AS kind, c.combine_envelopes, c.name AS company_name, c.address AS company_address
      FROM deliveries d
      JOIN invoices i ON i.id = d.invoice_id
      JOIN companies c ON c.id = i.company_id
      JOIN documents doc ON doc.id = d.document_id
      LEFT JOIN send_run_items si ON si.workflow_id = d.workflow_id
      WHERE d.print_batch_id = ${id} AND d.state = 'delivered' AND d.tenant_id = ${tenantId}
      ORDER BY d.customer_name, d.recipient, i.number`;
    const merged = await PDFDocument.create();
    const append = async (pdf: Uint8Array) => {
      const src = await PDFDocument.load(pdf);
      for (const page of await merged.copyPages(src, src.getPageIndices())) merged.addPage(page);
    };
    for (const group of envelopes(docs)) {
      if (group.length === 1 || !group[0].combine_envelopes) {
        for (const d of group) await append(d.content);
        continue;
      }
      const addressPage = await renderAddressPage({
        company: { name: group[0].company_name, address: group[0].company_address },
        // The address as the deliveries recorded it: "name, street, postcode city".
        recipientLines: String(group[0].recipient).split(', '),
        letters: group.map((d) => envelopeLetterOf(d as Parameters<typeof envelopeLetterOf>[0])),
      });
      await append((await combineEnvelope(addressPage, group.map((d) => d.content))).pdf);
    }
    const bytes = await merged.save();
    await sql`UPDATE print_batches SET merged_pdf = ${Buffer.from(bytes)}, merged_delivery_count = ${docs.length}
              WHERE id = ${id} AND tenant_id = ${tenantId}`;
    return bytes;
  }

  app.openapi(
    route({
      method: 'get', path: '/v1/print-batches', tags: ['print batches'],
      summary: "A company's own-printer batches, newest first (one per send request)",
      request: { query: z.object({ companyId: z.string().min(1).max(100) }) },
      responses: { 200: json(z.object({ items: z.array(PrintBatch) })) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { companyId } = c.req.valid('query');
      const [company] = await sql`SELECT 1 FROM companies WHERE id = ${companyId} AND tenant_id = ${tenantId}`;
      if (!company) throw invalid([{ path: 'companyId', message: 'no such company' }]);
      const rows = await sql`
        SELECT b.id, b.company_id, b.created_at,
               array_agg(d.invoice_id ORDER BY d.customer_name, i.number) AS invoice_ids,
               coalesce(sum(doc.page_count), 0)::int AS page_count
        FROM print_batches b
        JOIN deliveries d ON d.print_batch_id = b.id AND d.state = 'delivered'
        JOIN invoices i ON i.id = d.invoice_id
        JOIN documents doc ON doc.id = d.document_id
        WHERE b.tenant_id = ${tenantId} AND b.company_id = ${companyId}
        GROUP BY b.id ORDER BY b.created_at DESC, b.id DESC`;
      return c.json({
        items: rows.map((r) => ({ id: r.id, companyId: r.company_id, createdAt: new Date(r.created_at).toISOString(), invoiceIds: r.invoice_ids, pageCount: r.page_count })),
      }, 200);
    },
  );

  app.openapi(
    route({
      method: 'get', path: '/v1/print-batches/{id}', tags: ['print batches'],
      summary: 'The merged batch PDF, invoices in customer-name order',
      request: { params: ParamsId },
      responses: { 200: { description: 'The batch as one PDF', content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } } } },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const id = c.req.valid('param').id;
      // The stored merge is read only while it still holds every delivery of the batch.
      const [batch] = await sql`
        SELECT n.deliveries, CASE WHEN b.merged_delivery_count = n.deliveries THEN b.merged_pdf END AS merged_pdf
        FROM print_batches b,
             LATERAL (SELECT count(*)::int AS deliveries FROM deliveries d WHERE d.print_batch_id = b.id AND d.state = 'delivered') n
        WHERE b.id = ${id} AND b.tenant_id = ${tenantId}`;
      if (!batch || batch.deliveries === 0) throw notFound('The print batch');
      const bytes = batch.merged_pdf ?? (await mergeBatch(id, tenantId));
      return new Response(bytes, { status: 200, headers: { 'content-type': 'application/pdf' } }) as never;
    },
  );
  return app;
}
