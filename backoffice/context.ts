import type { Context } from 'hono';
import type { BackOfficeApi } from './api-client.js';
import type { Lang, Messages } from './i18n.js';
import type { Session } from './session.js';

export interface CompanyChoice {
  id: string;
  name: string;
}

export type BoEnv = {
  Variables: {
    lang: Lang;
    requestId: string;
    m: Messages;
    session: Session;
    api: BackOfficeApi;
    companies: CompanyChoice[];
    company: CompanyChoice | null;
  };
};
export type BoContext = Context<BoEnv>;

/** A local path to return to after a form; anything else (another host, `//x`) becomes the fallback. */
export function localPath(v: unknown, fallback: string): string {
  return typeof v === 'string' && /^\/app(\/|$|\?)/.test(v) && !v.includes('//') && !/[\r\n]/.test(v) ? v : fallback;
}

/**
 * The posted form (`{}` for a body that is not a form), or null when it claims to be a form and
 * does not parse as one (a cut-off multipart body): the caller answers 400, never a 500.
 */
export async function readForm(c: Context): Promise<Record<string, unknown> | null> {
  try {
    return await c.req.parseBody();
  } catch {
    return null;
  }
}

/** A form field as one string (the last one when repeated). */
export function field(form: Record<string, unknown>, name: string): string {
  const v = form[name];
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === 'string' ? last : '';
}

/** A repeated form field as strings. */
export function fields(form: Record<string, unknown>, name: string): string[] {
  const v = form[name] ?? form[`${name}[]`];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
}

/** A search box's text as an ILIKE pattern: `%` and `_` typed in it are literal, not wildcards. */
export const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
