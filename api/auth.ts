import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Sql } from '../db/client.js';
import { ProblemError } from './problem.js';
import type { AppEnv } from './context.js';
import type { AuthThrottle } from './auth-throttle.js';

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

const unauthorized = () => new ProblemError(401, 'unauthorized', 'Unauthorized', 'A valid API key is required (Authorization: Bearer <apiKey>).');

function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : null;
}

/** Resolves the API key to its tenant; every query below is scoped by that tenant id. */
export function tenantAuth(sql: Sql, throttle: AuthThrottle): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    throttle.check(c);
    const key = bearer(c.req.header('authorization'));
    const [tenant] = key && key.length <= 200 ? await sql`SELECT id FROM tenants WHERE api_key_hash = ${hashApiKey(key)}` : [];
    if (!tenant) {
      throttle.fail(c);
      throw unauthorized();
    }
    c.set('tenantId', tenant.id);
    await next();
  };
}

export function adminAuth(adminToken: string, throttle: AuthThrottle): MiddlewareHandler {
  return async (c, next) => {
    throttle.check(c);
    const key = bearer(c.req.header('authorization'));
    const a = Buffer.from(hashApiKey(key ?? ''));
    const b = Buffer.from(hashApiKey(adminToken));
    if (!key || !timingSafeEqual(a, b)) {
      throttle.fail(c);
      throw unauthorized();
    }
    await next();
  };
}
