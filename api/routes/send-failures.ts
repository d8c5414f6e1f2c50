import { z } from '@hono/zod-openapi';
import { newRouter, route, json, type AppDeps } from '../context.js';
import { MethodSchema } from '../schemas.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { invalid } from '../problem.js';
import { listSendFailures } from '../../services/send-failures.js';

const SendFailure = z
  .object({
    invoiceId: z.string(),
    number: z.string(),
    companyId: z.string(),
    kind: z.enum(['invoice', 'reminder']),
    method: MethodSchema.nullable(),
    code: z.string(),
    message: z.string(),
    at: z.string(),
    runId: z.string().nullable(),
    bounced: z.boolean(),
  })
  .openapi('SendFailure');
const SendFailureQuery = z.object({
  companyId: z.string().max(100).optional(),
  runId: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});

// Cursors name the history entry of the last failure of a page.
const PREFIX = 'failure:';

/** The failure work list (API.md "Preview, failures and sending again"). */
export function sendFailureRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();
  app.openapi(
    route({
      method: 'get', path: '/v1/send-failures', tags: ['sending'],
      summary: 'Invoices whose latest send or reminder failed or bounced and that have not been delivered since, newest first',
      request: { query: SendFailureQuery },
      responses: { 200: json(z.object({ items: z.array(SendFailure), nextCursor: z.string().nullable() })) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const before = decodeCursor(q.cursor, PREFIX)?.slice(PREFIX.length) ?? null;
      if (before !== null && !/^\d{1,18}$/.test(before)) throw invalid([{ path: 'cursor', message: 'is not a cursor returned by this endpoint' }]);
      const page = await listSendFailures(sql, c.get('tenantId'), { companyId: q.companyId, runId: q.runId, before, limit: q.limit });
      return c.json({ items: page.items, nextCursor: page.more && page.last ? encodeCursor(`${PREFIX}${page.last}`) : null }, 200);
    },
  );
  return app;
}
