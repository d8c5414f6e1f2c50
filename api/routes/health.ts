import { z } from '@hono/zod-openapi';
import { newRouter, json, type AppDeps } from '../context.js';
import { createRoute } from '@hono/zod-openapi';

const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({ database: z.enum(['ok', 'failing']), temporal: z.enum(['ok', 'failing']) }),
});

export function healthRoutes(deps: AppDeps) {
  const app = newRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      summary: 'Liveness of the service and its database and Temporal connection',
      tags: ['health'],
      responses: { 200: json(Health), 503: json(Health, 'A check failed') },
    }),
    async (c) => {
      const within = <T>(p: Promise<T>) =>
        Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 3000))]);
      const database = await within(deps.sql`SELECT 1`).then(() => 'ok' as const, () => 'failing' as const);
      const temporal = await within(deps.temporal.client.workflowService.getSystemInfo({})).then(
        () => 'ok' as const,
        () => 'failing' as const,
      );
      const ok = database === 'ok' && temporal === 'ok';
      return c.json({ status: ok ? ('ok' as const) : ('degraded' as const), checks: { database, temporal } }, ok ? 200 : 503);
    },
  );
  return app;
}
