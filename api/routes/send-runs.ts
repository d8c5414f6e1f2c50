import { newRouter, route, json, type AppDeps } from '../context.js';
import { listRuns, readRun } from '../../db/send-runs.js';
import { ParamsId, SendRun, SendRunList, SendRunListQuery } from '../schemas.js';
import { notFound } from '../problem.js';
import { decodeCursor, encodeCursor } from '../cursor.js';

export function sendRunRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();

  app.openapi(
    route({
      method: 'get', path: '/v1/send-runs/{id}', tags: ['sending'],
      summary: 'Progress of one send request (the runId of its answer): how many are pending, sent, failed or undone',
      request: { params: ParamsId }, responses: { 200: json(SendRun) },
    }),
    async (c) => {
      const run = await readRun(sql, c.get('tenantId'), c.req.valid('param').id);
      if (!run) throw notFound('The send run');
      return c.json(run, 200);
    },
  );

  app.openapi(
    route({
      method: 'get', path: '/v1/send-runs', tags: ['sending'], summary: 'Send runs, newest first',
      request: { query: SendRunListQuery }, responses: { 200: json(SendRunList) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const cursor = decodeCursor(q.cursor, 'run_');
      const page = await listRuns(sql, c.get('tenantId'), { companyId: q.companyId ?? null, limit: q.limit, cursor });
      return c.json({ items: page.items, nextCursor: encodeCursor(page.nextCursor) }, 200);
    },
  );

  return app;
}
