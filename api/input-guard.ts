import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { invalid, notFound, ProblemError, type FieldError } from './problem.js';

// PostgreSQL text cannot hold a NUL character: one reaching a query fails as a 500, or worse,
// inside a workflow activity that then retries. Refuse it at the door, field by field.
const NUL = '\u0000';

/** No request body of this API nests deeper than a few levels; 32 leaves room and bounds every walk. */
export const MAX_BODY_DEPTH = 32;
const TOO_DEEP = `nests deeper than ${MAX_BODY_DEPTH} levels of arrays and objects`;

/**
 * The body's problems: each string or field name holding a NUL, or where it nests deeper than
 * MAX_BODY_DEPTH. Walked with a stack of its own, so no body can overflow the call stack.
 */
function bodyErrors(body: unknown): FieldError[] {
  const out: FieldError[] = [];
  const todo: { value: unknown; at: string; depth: number }[] = [{ value: body, at: '', depth: 0 }];
  while (todo.length && out.length < 20) {
    const { value, at, depth } = todo.pop()!;
    const here = at || '(body)';
    if (typeof value === 'string') {
      if (value.includes(NUL)) out.push({ path: here, message: 'must not contain a NUL character' });
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) {
      out.push({ path: here, message: TOO_DEEP });
      break;
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (entries.some(([k]) => k.includes(NUL))) out.push({ path: here, message: 'has a field name with a NUL character' });
    // Pushed in reverse, so fields are reported in the order they came.
    for (let i = entries.length - 1; i >= 0; i--) todo.push({ value: entries[i][1], at: at ? `${at}.${entries[i][0]}` : entries[i][0], depth: depth + 1 });
  }
  return out;
}

const isJson = (contentType: string | undefined) => /^application\/([\w.+-]+\+)?json\b/i.test(contentType ?? '');

/**
 * Path ids with a NUL character name nothing (404); query parameters and JSON body fields with
 * one are invalid (422, each field named), as is a JSON body nested deeper than MAX_BODY_DEPTH
 * (422 naming the limit and where it was passed); a body in another format than JSON is a 415, except
 * for the back office's form posts under `formPrefix`.
 */
export function inputGuard(o: { rawBodies?: Record<string, string[]>; formPrefix?: string } = {}): MiddlewareHandler {
  // Route paths as the API writes them (`/v1/companies/{id}/payment-files`), matched segment by segment.
  const rawRoutes = Object.entries(o.rawBodies ?? {}).map(([route, types]) => ({
    pattern: new RegExp(`^${route.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\\{[^}]+\\\}|\{[^}]+\}/g, '[^/]+')}$`),
    types,
  }));
  return async (c, next) => {
    if (c.req.path.includes(NUL)) throw notFound('The resource');
    // No route takes this method on this path: the app answers 404 or 405 (with Allow), whatever the body.
    if (!matchedRoutes(c).some((r) => r.method !== 'ALL')) return next();
    const query: FieldError[] = [];
    for (const [name, values] of Object.entries(c.req.queries())) {
      if (name.includes(NUL) || values.some((v) => v.includes(NUL))) query.push({ path: name.replace(/\0/g, ''), message: 'must not contain a NUL character' });
    }
    if (query.length) throw invalid(query);

    const method = c.req.method;
    const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
    const contentType = c.req.header('content-type');
    // Routes that take a raw document (a bounced e-mail, a bank file) in the types they name.
    const raw = rawRoutes.find((r) => r.pattern.test(c.req.path))?.types;
    if (raw && hasBody) {
      if (!contentType || !raw.includes(contentType.split(';')[0].trim().toLowerCase())) {
        throw new ProblemError(415, 'unsupported_media_type', 'Unsupported media type', `Send the body as ${raw.join(' or ')}.`);
      }
      return next();
    }
    // The back office posts HTML forms; what it passes on to the API is checked there.
    if (o.formPrefix && c.req.path.startsWith(o.formPrefix)) return next();
    if (hasBody && contentType && c.req.header('content-length') !== '0') {
      if (!isJson(contentType)) {
        throw new ProblemError(415, 'unsupported_media_type', 'Unsupported media type', 'Send the request body as JSON (Content-Type: application/json).');
      }
      let parsed: unknown;
      try {
        // Read as text: Hono caches it, and the route's validator and the idempotency hash read it again.
        parsed = JSON.parse(await c.req.text());
      } catch {
        return next(); // malformed JSON: the route's validator answers 400
      }
      const errors = bodyErrors(parsed);
      const tooDeep = errors.some((e) => e.message === TOO_DEEP);
      if (errors.length) throw invalid(errors, tooDeep ? `The request body ${TOO_DEEP}.` : undefined);
    }
    await next();
  };
}
