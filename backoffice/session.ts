// Back-office sessions: an API key is exchanged once for a random session token held in an
// HttpOnly, SameSite=Strict cookie; the database keeps only the token's hash.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../db/client.js';

export const SESSION_COOKIE = 'bo_session';
/** Double-submit token of the sign-in form, before there is a session to hold one. */
export const SIGN_IN_CSRF_COOKIE = 'bo_signin_csrf';
export const SESSION_HOURS = 12;

export interface Session {
  tokenHash: string;
  tenantId: string;
  csrfToken: string;
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = () => randomBytes(32).toString('base64url');

export async function createSession(sql: Sql, tenantId: string): Promise<{ token: string; csrfToken: string }> {
  const token = newToken();
  const csrfToken = newToken();
  await sql`
    INSERT INTO back_office_sessions (token_hash, tenant_id, csrf_token, expires_at)
    VALUES (${hash(token)}, ${tenantId}, ${csrfToken}, now() + make_interval(hours => ${SESSION_HOURS}))`;
  // Expired sessions are cleared on sign-in; there are few of them.
  await sql`DELETE FROM back_office_sessions WHERE expires_at < now()`;
  return { token, csrfToken };
}

export async function readSession(sql: Sql, token: string | undefined): Promise<Session | null> {
  if (!token || token.length > 100) return null;
  const [row] = await sql`
    SELECT token_hash, tenant_id, csrf_token FROM back_office_sessions
    WHERE token_hash = ${hash(token)} AND expires_at > now()`;
  return row ? { tokenHash: row.token_hash, tenantId: row.tenant_id, csrfToken: row.csrf_token } : null;
}

export async function endSession(sql: Sql, session: Session): Promise<void> {
  await sql`DELETE FROM back_office_sessions WHERE token_hash = ${session.tokenHash}`;
}

/** Constant-time comparison of a submitted token with the expected one. */
export function sameToken(submitted: unknown, expected: string): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(hash(submitted));
  const b = Buffer.from(hash(expected));
  return timingSafeEqual(a, b);
}
