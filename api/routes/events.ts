import type { z } from '@hono/zod-openapi';
import { newRouter, route, json, type AppDeps } from '../context.js';
import { readEvents, UnknownCursor } from '../../db/events.js';
import { EventList, EventListQuery } from '../schemas.js';
import { invalid } from '../problem.js';

export function eventRoutes(deps: AppDeps) {
  const app = newRouter();

  app.openapi(
    route({
      method: 'get', path: '/v1/events', tags: ['events'],
      summary: 'What happened, oldest first: one event per history entry of an invoice, and send_run.completed. Page with `after` = the last id seen.',
      request: { query: EventListQuery }, responses: { 200: json(EventList) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const types = q.type ? q.type.split(',').map((t) => t.trim()).filter(Boolean) : null;
      try {
        const items = await readEvents(deps.sql, c.get('tenantId'), { after: q.after ?? null, types, limit: q.limit });
        // The cursor to poll from next: the last event returned, or where the caller already was.
        return c.json({ items: items as z.infer<typeof EventList>['items'], nextCursor: items.at(-1)?.id ?? q.after ?? null }, 200);
      } catch (err) {
        if (err instanceof UnknownCursor) throw invalid([{ path: 'after', message: 'is not the id of an event in this feed' }]);
        throw err;
      }
    },
  );

  return app;
}
