import { z } from '@hono/zod-openapi';
import { newRouter, route, json, type AppDeps } from '../context.js';
import { ParamsId } from '../schemas.js';
import { notFound } from '../problem.js';
import { listSuppressions, removeSuppression } from '../../services/email-suppressions.js';

const Suppression = z
  .object({
    email: z.string(),
    reason: z.string().openapi({ description: "The receiving server's words for the bounce that listed the address" }),
    at: z.string().openapi({ description: 'When the address was listed' }),
    invoiceId: z.string().nullable().openapi({ description: 'The invoice whose e-mail bounced' }),
  })
  .openapi('EmailSuppression');

const ParamsEmail = ParamsId.extend({
  email: z.string().trim().min(3).max(254).regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address').openapi({ param: { name: 'email', in: 'path' } }),
});

/** The company's suppression list (API.md "Preview, failures and sending again"). */
export function suppressionRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();

  app.openapi(
    route({
      method: 'get', path: '/v1/companies/{id}/suppressions', tags: ['companies'],
      summary: 'Addresses not e-mailed, because an e-mail to them bounced for good; newest first',
      request: { params: ParamsId },
      responses: { 200: json(z.object({ items: z.array(Suppression) })) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const items = await listSuppressions(sql, c.get('tenantId'), id);
      if (!items) throw notFound('The company');
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    route({
      method: 'delete', path: '/v1/companies/{id}/suppressions/{email}', tags: ['companies'],
      summary: 'Take an address off the list: it may be e-mailed again',
      request: { params: ParamsEmail },
      responses: { 204: { description: 'Removed' } },
    }),
    async (c) => {
      const { id, email } = c.req.valid('param');
      const removed = await removeSuppression(sql, c.get('tenantId'), id, email);
      if (removed === 'no_company') throw notFound('The company');
      if (removed === 'not_listed') throw notFound('The address on the suppression list');
      return c.body(null, 204);
    },
  );
  return app;
}
