import type { z } from '@hono/zod-openapi';
import { newRouter, route, json, body, type AppDeps } from '../context.js';
import { requestSends } from '../../services/request-sends.js';
import { previewSends } from '../../services/send-preview.js';
import { Preview, SendRequest, SendResponse } from '../schemas.js';
import { invalid } from '../problem.js';
import { idList } from '../../db/id-list.js';
import type { SendKind } from '../../domain/methods.js';

export function sendRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();

  /** A template must exist and belong to the invoices' company: the same 422 for the send and its preview. */
  async function checkTemplate(tenantId: string, req: z.infer<typeof SendRequest>) {
    if (req.templateId) {
      const [t] = await sql`SELECT company_id FROM templates WHERE id = ${req.templateId} AND tenant_id = ${tenantId}`;
      if (!t) throw invalid([{ path: 'templateId', message: 'no such template' }]);
      // A template belongs to its company: never printed on another company's invoice.
      const [other] = await sql`
        SELECT i.id, count(*) OVER () AS n FROM ${idList(sql, req.invoiceIds)} want JOIN invoices i ON i.id = want.id
        WHERE i.tenant_id = ${tenantId} AND i.company_id <> ${t.company_id}
        LIMIT 1`;
      if (other) {
        const more = Number(other.n) > 1 ? ` and ${Number(other.n) - 1} more` : '';
        throw invalid(
          [{ path: 'templateId', message: `is a template of another company than invoice ${other.id}${more}` }],
          'A template belongs to its company: send each company\'s invoices with one of its own templates (or none).',
        );
      }
    }
  }

  async function send(tenantId: string, req: z.infer<typeof SendRequest>, kind: SendKind, httpRequestId: string) {
    await checkTemplate(tenantId, req);
    return requestSends({ sql, starter: deps.starter, kivra: deps.kivra }, tenantId, {
      invoiceIds: req.invoiceIds, templateId: req.templateId ?? null, kind, httpRequestId, method: req.method ?? null,
    });
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

  const previews = [
    { path: '/v1/invoices/send-preview', kind: 'invoice', summary: 'What sending these invoices would do now: each refused with a reason, or its method, recipient and warnings. Changes nothing' },
    { path: '/v1/invoices/send-reminders-preview', kind: 'reminder', summary: 'What sending these reminders would do now, the same way. Changes nothing' },
  ] as const;
  for (const e of previews) {
    app.openapi(
      route({
        method: 'post', path: e.path, tags: ['sending'], summary: e.summary,
        request: body(SendRequest),
        responses: { 200: json(Preview, 'Each invoice in request order, with a summary') },
      }),
      async (c) => {
        const tenantId = c.get('tenantId');
        const req = c.req.valid('json');
        await checkTemplate(tenantId, req);
        const preview = await previewSends({ sql, kivra: deps.kivra }, tenantId, { invoiceIds: req.invoiceIds, kind: e.kind, method: req.method ?? null });
        return c.json(preview, 200);
      },
    );
  }

  return app;
}
