import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { ProblemError } from './problem.js';

/**
 * Counts failed authentications per client address in fixed windows; a client over the limit is
 * answered 429 with Retry-After before its key is even looked at, so guessing keys is slow.
 */
export class AuthThrottle {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit = 20,
    private readonly windowMs = 60_000,
  ) {}

  private client(c: Context): string {
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      return 'unknown'; // no socket (in-process requests)
    }
  }

  /** Throws 429 when the client has failed too often in the current window. */
  check(c: Context): void {
    const entry = this.failures.get(this.client(c));
    const now = Date.now();
    if (!entry || entry.resetAt <= now || entry.count < this.limit) return;
    const retryAfter = Math.ceil((entry.resetAt - now) / 1000);
    throw new ProblemError(429, 'too_many_requests', 'Too many requests',
      `Too many failed authentication attempts; try again in ${retryAfter} s.`, undefined, { 'retry-after': String(retryAfter) });
  }

  fail(c: Context): void {
    const key = this.client(c);
    const now = Date.now();
    const entry = this.failures.get(key);
    if (!entry || entry.resetAt <= now) {
      if (this.failures.size > 10_000) this.prune(now);
      this.failures.set(key, { count: 1, resetAt: now + this.windowMs });
    } else entry.count++;
  }

  private prune(now: number): void {
    for (const [k, v] of this.failures) if (v.resetAt <= now) this.failures.delete(k);
  }
}
