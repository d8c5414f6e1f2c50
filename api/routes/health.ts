import { z } from '@hono/zod-openapi';
import { createRoute } from '@hono/zod-openapi';
import { newRouter, json, type AppDeps } from '../context.js';
import { countStuckPending, STUCK_AFTER_MINUTES } from '../../services/stuck-sends.js';

const Check = z.enum(['ok', 'failing']);
const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({
    database: Check,
    temporal: Check,
    /** Workers polling the send task queue. */
    workers: z.enum(['ok', 'none', 'unknown']),
    /** Invoices pending longer than their undo window plus 15 minutes. */
    stuckPending: z.number().int().nullable(),
  }),
  reasons: z.array(z.string()),
});
const Ready = z.object({ status: z.enum(['ready', 'not_ready']), checks: z.object({ database: Check, temporal: Check }) });

const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 3000))]);

export function healthRoutes(deps: AppDeps) {
  const app = newRouter();
  const { client, taskQueue } = deps.temporal;

  const reachable = async () => ({
    database: await within(deps.sql`SELECT 1`).then(() => 'ok' as const, () => 'failing' as const),
    temporal: await within(client.workflowService.getSystemInfo({})).then(() => 'ok' as const, () => 'failing' as const),
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      summary: 'Health: 503 when the database or Temporal cannot be reached; 200 "degraded" with the reasons when no worker polls the task queue or sends are stuck pending',
      tags: ['health'],
      responses: { 200: json(Health), 503: json(Health, 'A check failed') },
    }),
    async (c) => {
      const checks = await reachable();
      const reasons: string[] = [];
      if (checks.database === 'failing') reasons.push('The database cannot be reached.');
      if (checks.temporal === 'failing') reasons.push('The Temporal server cannot be reached.');
      const stuckPending = checks.database === 'ok' ? await within(countStuckPending(deps.sql)).catch(() => null) : null;
      if (stuckPending) reasons.push(`${stuckPending} invoice(s) pending more than ${STUCK_AFTER_MINUTES} minutes past their undo window.`);
      let workers: 'ok' | 'none' | 'unknown' = 'unknown';
      if (checks.temporal === 'ok') {
        workers = await within(
          client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: taskQueue }, taskQueueType: 1 }),
        ).then((d) => ((d.pollers?.length ?? 0) > 0 ? ('ok' as const) : ('none' as const)), () => 'unknown' as const);
        if (workers === 'none') reasons.push(`No worker is polling the task queue "${taskQueue}": sends wait until one does.`);
      }
      const unreachable = checks.database === 'failing' || checks.temporal === 'failing';
      const body = { status: reasons.length ? ('degraded' as const) : ('ok' as const), checks: { ...checks, workers, stuckPending }, reasons };
      return c.json(body, unreachable ? 503 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health/ready',
      summary: 'For load balancers: 200 when this API process can serve (database and Temporal reachable), else 503',
      tags: ['health'],
      responses: { 200: json(Ready), 503: json(Ready, 'Not ready') },
    }),
    async (c) => {
      const checks = await reachable();
      const ready = checks.database === 'ok' && checks.temporal === 'ok';
      return c.json({ status: ready ? ('ready' as const) : ('not_ready' as const), checks }, ready ? 200 : 503);
    },
  );
  return app;
}
