import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { ProblemError } from './problem.js';

/** Failed authentications per client address, counted in fixed windows. */
class FailureWindows {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds until the address's window ends, when it has reached the limit; else null. */
  blockedFor(address: string, now = Date.now()): number | null {
    const entry = this.failures.get(address);
    if (!entry || entry.resetAt <= now || entry.count < this.limit) return null;
    return Math.max(1, Math.ceil((entry.resetAt - now) / 1000));
  }

  add(address: string, now = Date.now()): void {
    const entry = this.failures.get(address);
    if (!entry || entry.resetAt <= now) {
      if (this.failures.size > 10_000) this.prune(now);
      this.failures.set(address, { count: 1, resetAt: now + this.windowMs });
    } else entry.count++;
  }

  private prune(now: number): void {
    for (const [k, v] of this.failures) if (v.resetAt <= now) this.failures.delete(k);
  }
}

const tooMany = (retryAfter: number) =>
  new ProblemError(429, 'too_many_requests', 'Too many requests',
    `Too many failed authentication attempts; try again in ${retryAfter} s.`, undefined, { 'retry-after': String(retryAfter) });

/**
 * Throttles failed authentication per client address. Behind a proxy or a NAT many clients share
 * one address, so a right API key is never refused for what others there got wrong: the key is
 * looked at first, and only a wrong one is counted — answered 401 up to the limit, then 429 with
 * Retry-After until the window ends. (API keys are 144 random bits or more: letting a right one
 * through gives a guesser nothing.) The admin token is chosen by the operator and may be guessable, so an
 * address over the limit for it is refused before the token is compared — counted apart from API
 * keys, so wrong API keys never lock the admin out.
 */
export class AuthThrottle {
  private readonly keys: FailureWindows;
  private readonly admin: FailureWindows;
  private readonly links: FailureWindows;

  constructor(limit = 20, windowMs = 60_000) {
    this.keys = new FailureWindows(limit, windowMs);
    this.admin = new FailureWindows(limit, windowMs);
    this.links = new FailureWindows(limit, windowMs);
  }

  private client(c: Context): string {
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      return 'unknown'; // no socket (in-process requests)
    }
  }

  /**
   * A wrong API key from this client: counted; the 429 to answer when its address is over the
   * limit, else null (answer the usual 401). A right key never comes here.
   */
  wrongKey(c: Context): ProblemError | null {
    const address = this.client(c);
    const blocked = this.keys.blockedFor(address);
    if (blocked !== null) return tooMany(blocked);
    this.keys.add(address);
    return null;
  }

  /** Before the admin token is compared: throws 429 when the client has failed with it too often. */
  checkAdmin(c: Context): void {
    const blocked = this.admin.blockedFor(this.client(c));
    if (blocked !== null) throw tooMany(blocked);
  }

  wrongAdminToken(c: Context): void {
    this.admin.add(this.client(c));
  }

  /**
   * An invoice-page token that opens nothing (unknown or expired), as a wrong API key is for
   * sign-in: counted per address; the seconds to wait when the address is over the limit, else
   * null (answer the usual 404). A working token (256 random bits) is never refused.
   */
  wrongLink(c: Context): number | null {
    const address = this.client(c);
    const blocked = this.links.blockedFor(address);
    if (blocked !== null) return blocked;
    this.links.add(address);
    return null;
  }
}
