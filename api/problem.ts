import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';

export interface FieldError {
  path: string;
  message: string;
}

/** Any error response: RFC 9457 problem+json with a machine-readable `code`. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

export const notFound = (what: string) => new ProblemError(404, 'not_found', 'Not found', `${what} was not found.`);
export const conflict = (code: string, detail: string) => new ProblemError(409, code, 'Conflict', detail);
export const invalid = (errors: FieldError[], detail = 'The request has invalid fields.') =>
  new ProblemError(422, 'validation_failed', 'Validation failed', detail, errors);

export function problemResponse(c: Context, p: ProblemError): Response {
  const body: Record<string, unknown> = {
    type: `https://invoice-distribution.dev/problems/${p.code.replace(/_/g, '-')}`,
    title: p.title,
    status: p.status,
    detail: p.detail,
    code: p.code,
    instance: c.req.path,
  };
  if (p.errors) body.errors = p.errors;
  const headers: Record<string, string> = { 'content-type': 'application/problem+json', ...p.headers };
  if (p.status === 401) headers['www-authenticate'] = 'Bearer realm="invoice-distribution"';
  return new Response(JSON.stringify(body), { status: p.status, headers });
}

export function toProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400) return new ProblemError(400, 'malformed_request', 'Malformed request', err.message || 'The request body is not valid JSON.');
    if (err.status === 413) return new ProblemError(413, 'body_too_large', 'Body too large', 'The request body is too large.');
    if (err.status === 401) return new ProblemError(401, 'unauthorized', 'Unauthorized', err.message || 'A valid API key is required.');
    return new ProblemError(err.status, 'http_error', 'Request failed', err.message);
  }
  return new ProblemError(500, 'internal_error', 'Internal error', 'Something went wrong on our side; nothing was changed by this request.');
}
