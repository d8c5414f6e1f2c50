import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../domain/send.js';

/**
 * PostgreSQL data and constraint errors (SQLSTATE classes 22 and 23) say the same on every
 * retry: they end the attempt for good, so the workflow compensates instead of retrying forever.
 * Anything else (a lost connection, a restart) stays retryable.
 */
export function classifyDatabaseError(err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) {
    return ApplicationFailure.nonRetryable(
      `The invoice's data could not be saved (${(err as Error).message}).`,
      FailureType.DeliveryFailed,
    );
  }
  return err;
}

/** Wraps each activity so its database errors are classified on the way out. */
export function withDatabaseErrorsClassified<T extends Record<string, (...args: any[]) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          throw classifyDatabaseError(err);
        }
      },
    ]),
  ) as T;
}
