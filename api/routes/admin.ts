import { randomBytes } from 'node:crypto';
import { ulid } from '../../platform/ulid.js';
import { z } from '@hono/zod-openapi';
import { newRouter, route, json, body, type AppDeps } from '../context.js';
import { hashApiKey, adminAuth } from '../auth.js';
import type { AuthThrottle } from '../auth-throttle.js';
import { Tenant, TenantCreate } from '../schemas.js';

export function adminRoutes(deps: AppDeps, throttle: AuthThrottle) {
  const app = newRouter();
  app.use('/admin/*', adminAuth(deps.adminToken, throttle));
  app.openapi(
    route({
      method: 'post',
      path: '/admin/tenants',
      summary: 'Create a tenant and its API key (admin token)',
      tags: ['admin'],
      security: [{ admin: [] }],
      request: body(TenantCreate),
      responses: { 201: json(Tenant, 'Created; the API key is shown only here') },
    }),
    async (c) => {
      const { name } = c.req.valid('json');
      const apiKey = `idk_${randomBytes(24).toString('base64url')}`;
      const id = `ten_${ulid()}`;
      await deps.sql`INSERT INTO tenants (id, name, api_key_hash) VALUES (${id}, ${name}, ${hashApiKey(apiKey)})`;
      return c.json({ id, name, apiKey } satisfies z.infer<typeof Tenant>, 201);
    },
  );
  return app;
}
