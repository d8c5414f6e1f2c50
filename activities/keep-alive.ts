import { Context } from '@temporalio/activity';

const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Heartbeats while a channel activity runs, so a worker that dies mid-delivery is noticed within
 * the heartbeat timeout (seconds) instead of the start-to-close timeout (minutes), and the
 * delivery is retried — safely, since every channel records or keys what it delivered.
 */
export function withHeartbeats<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = Context.current();
    ctx.heartbeat();
    const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}
