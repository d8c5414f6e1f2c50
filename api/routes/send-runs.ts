import { newRouter, route, json, type AppDeps } from '../context.js';
import { listRuns, readRun } from '../../db/send-runs.js';
import { ParamsId, SendRun, SendRunList, SendRunListQuery } from '../schemas.js';
import { invalid, notFound } from '../problem.js';

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
      let cursor: string | null = null;
      if (q.cursor) {
        cursor = Buffer.from(q.cursor, 'base64url').toString('utf8');
        if (!cursor.startsWith('run_')) throw invalid([{ path: 'cursor', message: 'is not a cursor returned by this endpoint' }]);
      }
      const page = await listRuns(sql, c.get('tenantId'), { companyId: q.companyId ?? null, limit: q.limit, cursor });
      return c.json({ items: page.items, nextCursor: page.nextCursor && Buffer.from(page.nextCursor).toString('base64url') }, 200);
    },
  );

  return app;
}
