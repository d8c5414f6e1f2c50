import { z } from '@hono/zod-openapi';
import { newRouter, route, json, type AppDeps } from '../context.js';
import { adminAuth } from '../auth.js';
import type { AuthThrottle } from '../auth-throttle.js';
import { receiveBounce } from '../../services/receive-bounce.js';

const MAX_REPORT_BYTES = 2 * 1024 * 1024;

export function inboundRoutes(deps: AppDeps, throttle: AuthThrottle) {
  const app = newRouter();
  app.use('/v1/inbound/*', adminAuth(deps.adminToken, throttle));

  app.openapi(
    route({
      method: 'post', path: '/v1/inbound/bounces', tags: ['inbound'], security: [{ admin: [] }],
      summary: 'A delivery status notification (RFC 3464) as it came back, raw (admin token). Unmatched or malformed ones are logged and dropped.',
      request: { body: { content: { 'message/rfc822': { schema: z.string() } }, required: true } },
      responses: { 202: json(z.object({ outcome: z.enum(['bounced', 'delayed', 'duplicate', 'unmatched', 'malformed']) }), 'Handled') },
    }),
    async (c) => {
      const raw = Buffer.from(await c.req.arrayBuffer());
      if (raw.length > MAX_REPORT_BYTES) return c.json({ outcome: 'malformed' as const }, 202);
      return c.json({ outcome: await receiveBounce({ sql: deps.sql, starter: deps.starter, log: deps.log }, raw) }, 202);
    },
  );
  return app;
}
