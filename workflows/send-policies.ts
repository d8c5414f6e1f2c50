// Timeouts and retry policies of a send's activities, one profile each, shared by every shape of
// the send workflow (changing a value here changes no command, so runs in flight replay).
import { FailureType } from '../domain/send.js';

export const NON_RETRYABLE = Object.values(FailureType);

// Database bookkeeping: quick, retried while the database is away — for hours, not forever. Data
// errors are non-retryable. A run whose bookkeeping still fails ends, and the reconciler settles
// its invoice by the facts in the database.
export const BOOKKEEPING = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '6 hours',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
} as const;

// As local activities: a retry waits on a timer once its backoff passes the threshold, so a long
// database outage does not hold a workflow task.
export const LOCAL_BOOKKEEPING = { ...BOOKKEEPING, localRetryThreshold: '10 seconds' } as const;

// Talking to the outside world: an unreachable endpoint is retried with backoff for up to two
// hours (delivery records and idempotency keys make every retry safe); after that the send fails
// and is restored. Heartbeats, so a worker that dies mid-delivery is noticed within seconds.
export const CHANNELS = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  scheduleToCloseTimeout: '2 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes: NON_RETRYABLE },
} as const;
