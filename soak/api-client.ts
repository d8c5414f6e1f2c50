// The soak's clients (billing system, integrator, clerk) call an API that faults take away: each
// call is retried while the API or its database is down, and every POST carries an
// Idempotency-Key, so a retry of a call that did land changes nothing twice.
import { randomUUID } from 'node:crypto';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ApiAnswer {
  status: number;
  json: any;
  headers: Headers;
}

export function apiClient(base: () => string, o: { retryForMs?: number } = {}) {
  // A call cut off by a killed API leaves its key claimed; the claim is released after 5 minutes.
  const retryForMs = o.retryForMs ?? 420_000;
  return async function call(method: string, p: string, opts: { token: string; body?: unknown; raw?: string; contentType?: string; idempotencyKey?: string } ): Promise<ApiAnswer> {
    const key = method === 'POST' ? (opts.idempotencyKey ?? randomUUID()) : undefined;
    const deadline = Date.now() + retryForMs;
    for (;;) {
      try {
        const res = await fetch(base() + p, {
          method,
          headers: {
            authorization: `Bearer ${opts.token}`,
            ...(opts.body !== undefined || opts.raw !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}),
            ...(key ? { 'idempotency-key': key } : {}),
          },
          body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        // The API answers 503 while its database or Temporal is away, 409 while a call with the
        // same key cut off by a kill is still claimed: the call is tried again.
        const retry = res.status >= 500 || (res.status === 409 && text.includes('"idempotency_in_progress"'));
        if (retry && Date.now() < deadline) {
          await sleep(1000);
          continue;
        }
        return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(1000);
      }
    }
  };
}
export type Call = ReturnType<typeof apiClient>;
