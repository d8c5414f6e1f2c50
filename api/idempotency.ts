import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Sql } from '../db/client.js';
import { ProblemError } from './problem.js';
import type { AppEnv } from './context.js';

const KEY_LIFETIME = '24 hours';
const PURGE_EVERY_MS = 60_000;
let lastPurge = 0;

/** Expired keys of every tenant are deleted now and then, never more than once a minute per process. */
async function purgeExpired(sql: Sql): Promise<void> {
  if (Date.now() - lastPurge < PURGE_EVERY_MS) return;
  lastPurge = Date.now();
  await sql`DELETE FROM idempotency_keys WHERE created_at < now() - ${KEY_LIFETIME}::interval`;
}

/**
 * `Idempotency-Key` on POST: the same key with the same body answers with the first response
 * and does nothing twice. The key is claimed before the handler runs, so two concurrent
 * requests with one key cannot both act.
 */
export function idempotency(sql: Sql): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || !key) return next();
    if (key.length > 200) throw new ProblemError(422, 'validation_failed', 'Validation failed', 'Idempotency-Key is too long (at most 200 characters).');
    const tenantId = c.get('tenantId');
    const raw = await c.req.text();
    const hash = createHash('sha256').update(`${c.req.method} ${c.req.path}\n${raw}`).digest('hex');
    // A claim whose request never finished (the process died) is released after a while, so a
    // retry is not refused forever; re-running is safe because every operation checks state.
    // A key expires after 24 hours and may then be used afresh.
    await sql`DELETE FROM idempotency_keys WHERE tenant_id = ${tenantId} AND key = ${key}
              AND ((status_code IS NULL AND created_at < now() - interval '5 minutes') OR created_at < now() - ${KEY_LIFETIME}::interval)`;
    await purgeExpired(sql);
    const [claimed] = await sql`
      INSERT INTO idempotency_keys (tenant_id, key, request_hash) VALUES (${tenantId}, ${key}, ${hash})
      ON CONFLICT DO NOTHING RETURNING key`;
    if (!claimed) {
      const [prior] = await sql`SELECT request_hash, status_code, response FROM idempotency_keys WHERE tenant_id = ${tenantId} AND key = ${key}`;
      if (prior.request_hash !== hash) {
        throw new ProblemError(422, 'idempotency_key_reused', 'Idempotency key reused', 'This Idempotency-Key was already used with a different request.');
      }
      if (prior.status_code == null) {
        throw new ProblemError(409, 'idempotency_in_progress', 'Request in progress', 'A request with this Idempotency-Key is still being processed; retry shortly.');
      }
      return new Response(JSON.stringify(prior.response.body), {
        status: prior.status_code,
        headers: { 'content-type': prior.response.contentType, 'idempotent-replayed': 'true' },
      });
    }
    try {
      await next();
    } catch (err) {
      await sql`DELETE FROM idempotency_keys WHERE tenant_id = ${tenantId} AND key = ${key}`;
      throw err;
    }
    const res = c.res;
    if (res.status >= 500) {
      await sql`DELETE FROM idempotency_keys WHERE tenant_id = ${tenantId} AND key = ${key}`;
      return;
    }
    const text = await res.clone().text();
    let stored: unknown = text;
    try {
      stored = JSON.parse(text);
    } catch {
      // non-JSON bodies are stored as text
    }
    await sql`UPDATE idempotency_keys SET status_code = ${res.status},
              response = ${sql.json({ body: stored, contentType: res.headers.get('content-type') ?? 'application/json' } as never)}
              WHERE tenant_id = ${tenantId} AND key = ${key}`;
  };
}
