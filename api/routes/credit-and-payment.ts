import { z } from '@hono/zod-openapi';
import { newRouter, route, json, body, type AppDeps } from '../context.js';
import { invoiceFromRow } from '../../db/rows.js';
import { markPaid } from '../../db/invoice-state.js';
import { creditInvoice } from '../../services/credit-invoice.js';
import { CalendarDate, CreditRequest, Invoice, ParamsId } from '../schemas.js';
import { conflict, notFound } from '../problem.js';

/** Crediting (which undoes a send inside its undo window) and marking paid. */
export function settlementRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();
  const serviceDeps = { sql, client: deps.temporal.client, taskQueue: deps.temporal.taskQueue };

  app.openapi(
    route({
      method: 'post', path: '/v1/invoices/{id}/credit', tags: ['sending'],
      summary: 'Credit an invoice; within the undo window this undoes its send',
      request: { params: ParamsId, ...body(CreditRequest) },
      responses: { 200: json(z.object({ invoice: Invoice, undone: z.boolean() })) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const outcome = await creditInvoice(serviceDeps, tenantId, id, c.req.valid('json').reason ?? null);
      if (outcome.kind === 'not_found') throw notFound('The invoice');
      if (outcome.kind === 'conflict') throw conflict('invalid_status', `The invoice is already ${outcome.status}.`);
      const [row] = await sql`SELECT * FROM invoices WHERE id = ${id} AND tenant_id = ${tenantId}`;
      return c.json({ invoice: invoiceFromRow(row), undone: outcome.undone }, 200);
    },
  );

  app.openapi(
    route({
      method: 'post', path: '/v1/invoices/{id}/mark-paid', tags: ['sending'], summary: 'Mark an invoice paid',
      request: { params: ParamsId, ...body(z.strictObject({ paidAt: CalendarDate.optional() })) },
      responses: { 200: json(Invoice) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const { paidAt } = c.req.valid('json');
      // A send in flight sees the payment before delivering and stops.
      const outcome = await markPaid(sql, { tenantId, invoiceId: id, paidAt: paidAt ?? null });
      if (outcome.kind === 'not_found') throw notFound('The invoice');
      if (outcome.kind === 'conflict') throw conflict('invalid_status', `The invoice is already ${outcome.status}.`);
      const [row] = await sql`SELECT * FROM invoices WHERE id = ${id} AND tenant_id = ${tenantId}`;
      return c.json(invoiceFromRow(row), 200);
    },
  );

  return app;
}
