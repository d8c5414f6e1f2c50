import { ulid } from '../../platform/ulid.js';
import { z } from '@hono/zod-openapi';
import { newRouter, route, json, body, type AppDeps } from '../context.js';
import { historyFromRow, invoiceFromRow } from '../../db/rows.js';
import { appendHistory } from '../../db/history.js';
import { computeTotals } from '../../domain/totals.js';
import { generateOcr } from '../../domain/ocr.js';
import { automaticInvoiceEmail } from '../../services/invoice-email.js';
import {
  DeliveryPlan, DeliveryPlanQuery, DocumentInfo, HistoryEntry, Invoice, InvoiceCreate, InvoiceList, InvoiceListQuery, InvoicePatch, ParamsId,
} from '../schemas.js';
import { conflict, invalid, notFound, type FieldError } from '../problem.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { loadSendContext } from '../../activities/load-send-context.js';
import { deliveryFactsFor } from '../../services/delivery-facts.js';
import { PermanentDeliveryError } from '../../channels/permanent-error.js';
import { explainResolution, resolveDelivery } from '../../domain/resolve-delivery.js';

export function invoiceRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();

  async function loadInvoice(tenantId: string, id: string) {
    const [row] = await sql`SELECT * FROM invoices WHERE id = ${id} AND tenant_id = ${tenantId}`;
    if (!row) throw notFound('The invoice');
    return row;
  }

  app.openapi(
    route({ method: 'post', path: '/v1/invoices', tags: ['invoices'], summary: 'Register an invoice from the billing run', request: body(InvoiceCreate), responses: { 201: json(Invoice, 'Created') } }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const b = c.req.valid('json');
      const [found] = await sql`
        SELECT (SELECT id FROM companies WHERE id = ${b.companyId} AND tenant_id = ${tenantId}) AS company,
               (SELECT to_jsonb(p.*) FROM persons p WHERE id = ${b.personId} AND tenant_id = ${tenantId}) AS person,
               (SELECT id FROM organizations WHERE id = ${b.organizationId ?? null} AND tenant_id = ${tenantId}) AS organization,
               (SELECT organization_id FROM invoice_references WHERE id = ${b.invoiceReferenceId ?? null} AND tenant_id = ${tenantId}) AS reference_org`;
      const errors: FieldError[] = [];
      if (!found.company) errors.push({ path: 'companyId', message: 'no such company' });
      if (!found.person) errors.push({ path: 'personId', message: 'no such person' });
      if (b.organizationId && !found.organization) errors.push({ path: 'organizationId', message: 'no such organization' });
      // Without an explicit organisation the invoice is linked to the person's organisation, if any.
      const organizationId = b.organizationId ?? found.person?.organization_id ?? null;
      if (b.invoiceReferenceId && (!found.reference_org || found.reference_org !== organizationId)) {
        errors.push({ path: 'invoiceReferenceId', message: "no such invoice reference on the invoice's organization" });
      }
      if (errors.length) throw invalid(errors);
      if (found.person.erased_at) throw conflict('person_erased', 'The person was erased (their personal data is [raderad]): an invoice to them would reach no one. Register the customer anew.');

      const id = `inv_${ulid()}`;
      const totals = computeTotals(b.lines);
      const ids = { companyId: b.companyId, personId: b.personId, organizationId, invoiceReferenceId: b.invoiceReferenceId ?? null };
      const email = await automaticInvoiceEmail(sql, tenantId, ids);
      const ocr = b.ocr ?? generateOcr(b.number, String(Date.now()));
      const row = await sql.begin(async (tx) => {
        const [created] = await tx`
          INSERT INTO invoices (id, tenant_id, company_id, number, status, person_id, organization_id, invoice_reference_id,
                                issue_date, due_date, currency, ocr, email, lines, net_amount, vat_amount, total_amount)
          VALUES (${id}, ${tenantId}, ${b.companyId}, ${b.number}, 'unsent', ${b.personId}, ${organizationId},
                  ${b.invoiceReferenceId ?? null}, ${b.issueDate}, ${b.dueDate}, ${b.currency}, ${ocr}, ${email},
                  ${tx.json(b.lines)}, ${totals.netAmount}, ${totals.vatAmount}, ${totals.totalAmount})
          ON CONFLICT (company_id, number) DO NOTHING
          RETURNING *`;
        if (!created) return null;
        await appendHistory(tx, { tenantId, invoiceId: id, type: 'created', message: `Invoice ${b.number} registered.` });
        return created;
      });
      if (!row) throw conflict('duplicate_number', `Invoice number ${b.number} already exists in this company.`);
      return c.json(invoiceFromRow(row), 201);
    },
  );

  app.openapi(
    route({ method: 'get', path: '/v1/invoices', tags: ['invoices'], summary: 'List invoices', request: { query: InvoiceListQuery }, responses: { 200: json(InvoiceList) } }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const q = c.req.valid('query');
      const after = decodeCursor(q.cursor, 'inv_');
      const rows = await sql`
        SELECT * FROM invoices
        WHERE tenant_id = ${tenantId}
          ${q.companyId ? sql`AND company_id = ${q.companyId}` : sql``}
          ${q.status ? sql`AND status = ${q.status}` : sql``}
          ${after ? sql`AND id > ${after}` : sql``}
        ORDER BY id LIMIT ${q.limit + 1}`;
      const page = rows.slice(0, q.limit);
      const nextCursor = encodeCursor(rows.length > q.limit ? page[page.length - 1].id : null);
      return c.json({ items: page.map(invoiceFromRow), nextCursor }, 200);
    },
  );

  app.openapi(
    route({ method: 'get', path: '/v1/invoices/{id}', tags: ['invoices'], summary: 'Get an invoice', request: { params: ParamsId }, responses: { 200: json(Invoice) } }),
    async (c) => c.json(invoiceFromRow(await loadInvoice(c.get('tenantId'), c.req.valid('param').id)), 200),
  );

  app.openapi(
    route({
      method: 'patch', path: '/v1/invoices/{id}', tags: ['invoices'],
      summary: 'Set the invoice e-mail; an empty string refills it by the recipient priority',
      request: { params: ParamsId, ...body(InvoicePatch) }, responses: { 200: json(Invoice) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const { email } = c.req.valid('json');
      const current = await loadInvoice(tenantId, id);
      if (current.status === 'pending_send') {
        throw conflict('invalid_status', 'The invoice is waiting to be sent; change its e-mail after the send has finished or been undone.');
      }
      const manual = email !== '';
      const value = manual
        ? email
        : await automaticInvoiceEmail(sql, tenantId, {
            companyId: current.company_id, personId: current.person_id,
            organizationId: current.organization_id, invoiceReferenceId: current.invoice_reference_id,
          });
      const row = await sql.begin(async (tx) => {
        const [updated] = await tx`UPDATE invoices SET email = ${value}, email_is_manual = ${manual}, updated_at = now()
                                   WHERE id = ${id} AND tenant_id = ${tenantId} AND status <> 'pending_send' RETURNING *`;
        if (!updated) return null;
        await appendHistory(tx, {
          tenantId, invoiceId: id, type: 'email_updated',
          message: manual
            ? `Invoice e-mail set to ${value}.`
            : `Invoice e-mail filled in automatically${value ? ` as ${value}` : ' (no address found)'}.`,
          recipient: value,
        });
        return updated;
      });
      if (!row) throw conflict('invalid_status', 'The invoice is waiting to be sent; try again when the send has finished.');
      return c.json(invoiceFromRow(row), 200);
    },
  );

  app.openapi(
    route({
      method: 'get', path: '/v1/invoices/{id}/delivery-plan', tags: ['invoices'],
      summary: 'How a send would be delivered now: the method, the recipient, and each method passed over with the reason',
      request: { params: ParamsId, query: DeliveryPlanQuery }, responses: { 200: json(DeliveryPlan) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const { kind } = c.req.valid('query');
      const ctx = await loadSendContext(sql, tenantId, id);
      if (!ctx) throw notFound('The invoice');
      // The same facts and rule the send workflow applies right before delivery.
      // Should Kivra not answer now, the explanation assumes the customer is a Kivra user.
      const kivra = deps.kivra && { isUser: (key: string, pin: string) => deps.kivra!.isUser(key, pin).catch((err) => (err instanceof PermanentDeliveryError ? Promise.reject(err) : true)) };
      const { facts } = await deliveryFactsFor(sql, ctx, kind, kivra);
      const r = resolveDelivery(facts);
      return c.json({
        kind, ok: r.ok,
        method: r.ok ? r.method : null, choice: r.ok ? r.choice : null, recipient: r.ok ? r.recipient : null,
        rejected: r.rejected, explanation: explainResolution(r),
      }, 200);
    },
  );

  app.openapi(
    route({ method: 'get', path: '/v1/invoices/{id}/history', tags: ['invoices'], summary: 'The invoice history, oldest first', request: { params: ParamsId }, responses: { 200: json(z.object({ items: z.array(HistoryEntry) })) } }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      await loadInvoice(tenantId, id);
      const rows = await sql`SELECT * FROM invoice_history WHERE invoice_id = ${id} AND tenant_id = ${tenantId} ORDER BY id`;
      return c.json({ items: rows.map(historyFromRow) as z.infer<typeof HistoryEntry>[] }, 200);
    },
  );

  app.openapi(
    route({ method: 'get', path: '/v1/invoices/{id}/documents', tags: ['invoices'], summary: 'Documents made for the invoice', request: { params: ParamsId }, responses: { 200: json(z.object({ items: z.array(DocumentInfo) })) } }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      await loadInvoice(tenantId, id);
      const rows = await sql`SELECT id, kind, created_at, content_type FROM documents WHERE invoice_id = ${id} AND tenant_id = ${tenantId} ORDER BY created_at, id`;
      return c.json({ items: rows.map((r) => ({ id: r.id, kind: r.kind, createdAt: new Date(r.created_at).toISOString(), contentType: r.content_type })) }, 200);
    },
  );

  app.openapi(
    route({
      method: 'get', path: '/v1/documents/{id}', tags: ['invoices'], summary: 'Download a document',
      request: { params: ParamsId },
      responses: { 200: { description: 'The document bytes', content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) }, 'application/xml': { schema: z.string() } } } },
    }),
    async (c) => {
      const [doc] = await sql`SELECT content, content_type, kind FROM documents WHERE id = ${c.req.valid('param').id} AND tenant_id = ${c.get('tenantId')}`;
      if (!doc) throw notFound('The document');
      return new Response(new Uint8Array(doc.content), { status: 200, headers: { 'content-type': doc.content_type } }) as never;
    },
  );

  return app;
}

