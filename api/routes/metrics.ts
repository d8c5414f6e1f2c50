import { Hono } from 'hono';
import type { Sql } from '../../db/client.js';
import type { AuthThrottle } from '../auth-throttle.js';
import { adminAuth } from '../auth.js';
import { databaseGauges, exposition, EXPOSITION_CONTENT_TYPE, registry } from '../../platform/metrics.js';
import { countStuckPending, pendingByCompany } from '../../services/stuck-sends.js';

/** Prometheus metrics of this process, the database gauges, and the Temporal SDK's own; admin token only. */
export function metricsRoutes(deps: { sql: Sql; adminToken: string; sdkMetricsUrl?: string | null }, throttle: AuthThrottle) {
  const app = new Hono();
  const gauges = databaseGauges({ pendingByCompany: () => pendingByCompany(deps.sql), stuckPending: () => countStuckPending(deps.sql) });
  app.get('/metrics', adminAuth(deps.adminToken, throttle), async (c) =>
    c.body(await exposition([registry, gauges], deps.sdkMetricsUrl), 200, { 'content-type': EXPOSITION_CONTENT_TYPE, 'cache-control': 'no-store' }),
  );
  return app;
}
