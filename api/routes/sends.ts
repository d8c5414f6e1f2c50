import type { z } from '@hono/zod-openapi';
import { newRouter, route, json, body, type AppDeps } from '../context.js';
import { requestSends } from '../../services/request-sends.js';
import { SendRequest, SendResponse } from '../schemas.js';
import { invalid } from '../problem.js';
import type { SendKind } from '../../domain/methods.js';

export function sendRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();

  async function send(tenantId: string, req: z.infer<typeof SendRequest>, kind: SendKind, httpRequestId: string) {
    if (req.templateId) {
      const [t] = await sql`SELECT company_id FROM templates WHERE id = ${req.templateId} AND tenant_id = ${tenantId}`;
      if (!t) throw invalid([{ path: 'templateId', message: 'no such template' }]);
      // A template belongs to its company: never printed on another company's invoice.
      const [other] = await sql`
        SELECT id, count(*) OVER () AS n FROM invoices
        WHERE tenant_id = ${tenantId} AND id = ANY(${req.invoiceIds}::text[]) AND company_id <> ${t.company_id}
        LIMIT 1`;
      if (other) {
        const more = Number(other.n) > 1 ? ` and ${Number(other.n) - 1} more` : '';
        throw invalid(
          [{ path: 'templateId', message: `is a template of another company than invoice ${other.id}${more}` }],
          'A template belongs to its company: send each company\'s invoices with one of its own templates (or none).',
        );
      }
    }
    return requestSends({ sql, starter: deps.starter }, tenantId, { invoiceIds: req.invoiceIds, templateId: req.templateId ?? null, kind, httpRequestId });
  }

  const endpoints = [
    { path: '/v1/invoices/send', kind: 'invoice', summary: 'Send invoices: each is accepted (pending send, with its workflow) or refused with a reason' },
    { path: '/v1/invoices/send-reminders', kind: 'reminder', summary: 'Send payment reminders for overdue invoices, the same way' },
  ] as const;
  for (const e of endpoints) {
    app.openapi(
      route({
        method: 'post', path: e.path, tags: ['sending'], summary: e.summary,
        request: body(SendRequest),
        responses: { 202: json(SendResponse, 'Accepted or refused one by one, in request order; runId follows the progress') },
      }),
      async (c) => {
        const answer = await send(c.get('tenantId'), c.req.valid('json'), e.kind, c.get('requestId'));
        // The request's log line names the run, whose sends name the request.
        c.get('logger')?.assign({ sendRunId: answer.runId });
        return c.json(answer, 202);
      },
    );
  }

  return app;
}
