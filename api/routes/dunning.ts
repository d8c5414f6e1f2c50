import { z } from '@hono/zod-openapi';
import { lastOverdueDueDate } from '../../domain/bank-days.js';
import { newRouter, route, json, type AppDeps } from '../context.js';
import { invoiceFromRow } from '../../db/rows.js';
import { stockholmToday } from '../../domain/dates.js';
import { Invoice, ParamsId } from '../schemas.js';
import { invalid, notFound } from '../problem.js';

const DunningItem = Invoice.extend({ daysOverdue: z.number().int() }).openapi('DunningItem');
const DunningQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});

/** The dunning list: sent or reminded invoices whose due date has passed (a due date on a non-bank day counts as the next bank day), most overdue first. */
export function dunningRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();
  app.openapi(
    route({
      method: 'get', path: '/v1/companies/{id}/dunning', tags: ['reminders'],
      summary: 'Overdue invoices that can get a payment reminder, most overdue first',
      request: { params: ParamsId, query: DunningQuery },
      responses: { 200: json(z.object({ items: z.array(DunningItem), nextCursor: z.string().nullable() })) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const [company] = await sql`SELECT 1 FROM companies WHERE id = ${id} AND tenant_id = ${tenantId}`;
      if (!company) throw notFound('The company');
      let after: { due: string; id: string } | null = null;
      if (q.cursor) {
        const [due, invoiceId] = Buffer.from(q.cursor, 'base64url').toString('utf8').split('|');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(due ?? '') || !invoiceId) throw invalid([{ path: 'cursor', message: 'is not a cursor returned by this endpoint' }]);
        after = { due, id: invoiceId };
      }
      const today = stockholmToday();
      const rows = await sql`
        SELECT *, (${today}::date - due_date) AS days_overdue FROM invoices
        WHERE tenant_id = ${tenantId} AND company_id = ${id}
          AND status IN ('sent', 'reminder') AND due_date <= ${lastOverdueDueDate(today)}::date
          ${after ? sql`AND (due_date, id) > (${after.due}::date, ${after.id})` : sql``}
        ORDER BY due_date, id
        LIMIT ${q.limit + 1}`;
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return c.json({
        items: page.map((r) => ({ ...invoiceFromRow(r), daysOverdue: r.days_overdue as number })),
        nextCursor: rows.length > q.limit ? Buffer.from(`${last.due_date}|${last.id}`).toString('base64url') : null,
      }, 200);
    },
  );
  return app;
}
