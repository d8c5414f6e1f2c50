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

/** The tenant whose API key this is, or null. */
export async function tenantForApiKey(sql: Sql, key: string | null | undefined): Promise<string | null> {
  if (!key || key.length > 200) return null;
  const [tenant] = await sql`SELECT id FROM tenants WHERE api_key_hash = ${hashApiKey(key)}`;
  return tenant?.id ?? null;
}

/**
 * The back office calls the API in-process for a signed-in tenant by putting the tenant id in
 * the request's environment under this symbol: no HTTP request can carry a symbol key.
 */
export const IN_PROCESS_TENANT = Symbol('in-process tenant');

/** Resolves the API key to its tenant; every query below is scoped by that tenant id. */
export function tenantAuth(sql: Sql, throttle: AuthThrottle): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const inProcess = (c.env as Record<symbol, unknown> | undefined)?.[IN_PROCESS_TENANT];
    if (typeof inProcess === 'string') {
      c.set('tenantId', inProcess);
      return next();
    }
    // The key first: a right one passes whatever others behind the same address got wrong.
    const tenantId = await tenantForApiKey(sql, bearer(c.req.header('authorization')));
    if (!tenantId) throw throttle.wrongKey(c) ?? unauthorized();
    c.set('tenantId', tenantId);
    await next();
  };
}

export function adminAuth(adminToken: string, throttle: AuthThrottle): MiddlewareHandler {
  return async (c, next) => {
    throttle.checkAdmin(c);
    const key = bearer(c.req.header('authorization'));
    const a = Buffer.from(hashApiKey(key ?? ''));
    const b = Buffer.from(hashApiKey(adminToken));
    if (!key || !timingSafeEqual(a, b)) {
      throttle.wrongAdminToken(c);
      throw unauthorized();
    }
    await next();
  };
}
