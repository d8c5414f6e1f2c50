import type { MiddlewareHandler } from 'hono';
import { invalid, notFound, ProblemError, type FieldError } from './problem.js';

// PostgreSQL text cannot hold a NUL character: one reaching a query fails as a 500, or worse,
// inside a workflow activity that then retries. Refuse it at the door, field by field.
const NUL = '\u0000';

function nulPaths(value: unknown, at: string, out: FieldError[]): void {
  if (out.length >= 20) return;
  if (typeof value === 'string') {
    if (value.includes(NUL)) out.push({ path: at || '(body)', message: 'must not contain a NUL character' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => nulPaths(v, at ? `${at}.${i}` : String(i), out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes(NUL)) out.push({ path: at || '(body)', message: 'has a field name with a NUL character' });
      nulPaths(v, at ? `${at}.${k}` : k, out);
    }
  }
}

const isJson = (contentType: string | undefined) => /^application\/([\w.+-]+\+)?json\b/i.test(contentType ?? '');

/**
 * Path ids with a NUL character name nothing (404); query parameters and JSON body fields with
 * one are invalid (422, each field named); a body in another format than JSON is a 415, except
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
      const errors: FieldError[] = [];
      nulPaths(parsed, '', errors);
      if (errors.length) throw invalid(errors);
    }
    await next();
  };
}
