import { randomBytes } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { ulid } from '../../platform/ulid.js';
import { newRouter, route, json, body, type AppDeps } from '../context.js';
import { ParamsId, WebhookDelivery, WebhookEndpoint, WebhookEndpointCreate, WebhookEndpointPatch } from '../schemas.js';
import { invalid, notFound } from '../problem.js';
import { webhookTargetPolicy, webhookUrlRefusal } from '../../platform/webhook-target.js';
import { ensureWebhookWorkflow } from '../../services/webhook-workflows.js';

type Row = Record<string, any>;

/** 422 for a URL webhooks may not go to (a private address, plain http in production); nothing is stored. */
async function refuseUnsafeUrl(url: string): Promise<void> {
  const refused = await webhookUrlRefusal(url, webhookTargetPolicy());
  if (refused) {
    throw invalid([{ path: 'url', message: `must be a public https URL: ${refused}` }],
      `Webhooks go only to public addresses over https: ${refused}.`);
  }
}

const endpointFromRow = (r: Row) => ({
  id: r.id as string,
  url: r.url as string,
  events: r.events as string[],
  description: (r.description ?? null) as string | null,
  enabled: r.enabled as boolean,
  createdAt: new Date(r.created_at).toISOString(),
});

export function webhookEndpointRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();

  async function load(tenantId: string, id: string): Promise<Row> {
    const [row] = await sql`SELECT * FROM webhook_endpoints WHERE id = ${id} AND tenant_id = ${tenantId} AND deleted_at IS NULL`;
    if (!row) throw notFound('The webhook endpoint');
    return row;
  }

  app.openapi(
    route({
      method: 'post', path: '/v1/webhook-endpoints', tags: ['webhooks'],
      summary: 'Subscribe a URL to events; the answer holds the signing secret, shown only here',
      request: body(WebhookEndpointCreate), responses: { 201: json(WebhookEndpoint, 'Created') },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const b = c.req.valid('json');
      await refuseUnsafeUrl(b.url);
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      const [row] = await sql`
        INSERT INTO webhook_endpoints (id, tenant_id, url, events, description, secret)
        VALUES (${`whe_${ulid()}`}, ${tenantId}, ${b.url}, ${b.events}::text[], ${b.description ?? null}, ${secret})
        RETURNING *`;
      // Should this start fail, the workers' reconciler starts it.
      await ensureWebhookWorkflow(deps.temporal, { id: row.id, tenantId }).catch((err) => deps.log?.(`webhook workflow for ${row.id}: ${(err as Error).message}`));
      return c.json({ ...endpointFromRow(row), secret }, 201);
    },
  );

  app.openapi(
    route({ method: 'get', path: '/v1/webhook-endpoints', tags: ['webhooks'], summary: 'Webhook endpoints (no secrets)', responses: { 200: json(z.object({ items: z.array(WebhookEndpoint) })) } }),
    async (c) => {
      const rows = await sql`SELECT * FROM webhook_endpoints WHERE tenant_id = ${c.get('tenantId')} AND deleted_at IS NULL ORDER BY created_at, id`;
      return c.json({ items: rows.map(endpointFromRow) }, 200);
    },
  );

  app.openapi(
    route({ method: 'get', path: '/v1/webhook-endpoints/{id}', tags: ['webhooks'], summary: 'A webhook endpoint', request: { params: ParamsId }, responses: { 200: json(WebhookEndpoint) } }),
    async (c) => c.json(endpointFromRow(await load(c.get('tenantId'), c.req.valid('param').id)), 200),
  );

  app.openapi(
    route({
      method: 'patch', path: '/v1/webhook-endpoints/{id}', tags: ['webhooks'], summary: 'Change the URL, the events, the description, or pause it (enabled:false)',
      request: { params: ParamsId, ...body(WebhookEndpointPatch) }, responses: { 200: json(WebhookEndpoint) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const before = await load(tenantId, c.req.valid('param').id);
      const b = c.req.valid('json');
      if (b.url !== undefined) await refuseUnsafeUrl(b.url);
      const [row] = await sql`
        UPDATE webhook_endpoints SET
          url = ${b.url ?? before.url},
          events = ${b.events ?? before.events}::text[],
          description = ${b.description === undefined ? before.description : b.description},
          enabled = ${b.enabled ?? before.enabled}
        WHERE id = ${before.id} AND tenant_id = ${tenantId}
        RETURNING *`;
      if (row.enabled && !before.enabled) await ensureWebhookWorkflow(deps.temporal, { id: row.id, tenantId });
      return c.json(endpointFromRow(row), 200);
    },
  );

  app.openapi(
    route({ method: 'delete', path: '/v1/webhook-endpoints/{id}', tags: ['webhooks'], summary: 'Delete: nothing more is delivered, queued events included', request: { params: ParamsId }, responses: { 204: { description: 'Deleted' } } }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const row = await load(tenantId, c.req.valid('param').id);
      await sql`UPDATE webhook_endpoints SET deleted_at = now() WHERE id = ${row.id} AND tenant_id = ${tenantId}`;
      return c.body(null, 204);
    },
  );

  app.openapi(
    route({
      method: 'get', path: '/v1/webhook-endpoints/{id}/deliveries', tags: ['webhooks'], summary: 'Every delivery attempt, newest first',
      request: { params: ParamsId, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: { 200: json(z.object({ items: z.array(WebhookDelivery) })) },
    }),
    async (c) => {
      const row = await load(c.get('tenantId'), c.req.valid('param').id);
      const rows = await sql`SELECT * FROM webhook_deliveries WHERE endpoint_id = ${row.id} ORDER BY id DESC LIMIT ${c.req.valid('query').limit}`;
      return c.json({
        items: rows.map((d) => ({
          eventId: d.event_id, eventType: d.event_type, attempt: d.attempt, at: new Date(d.at).toISOString(),
          responseStatus: d.response_status ?? null, error: d.error ?? null, succeeded: d.succeeded,
        })),
      }, 200);
    },
  );

  app.openapi(
    route({ method: 'post', path: '/v1/webhook-endpoints/{id}/test', tags: ['webhooks'], summary: 'Deliver a webhook.test event to this endpoint', request: { params: ParamsId }, responses: { 202: json(z.object({ eventId: z.string() }), 'Queued') } }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const row = await load(tenantId, c.req.valid('param').id);
      const [event] = await sql`INSERT INTO events (tenant_id, type, endpoint_id) VALUES (${tenantId}, 'webhook.test', ${row.id}) RETURNING id`;
      return c.json({ eventId: event.id as string }, 202);
    },
  );

  return app;
}
