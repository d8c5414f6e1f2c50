import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Queryable, Sql } from '../db/client.js';

/**
 * One attempt at a time hands an e-mail to the SMTP server. Temporal starts a new attempt when a
 * heartbeat is missed (a Temporal restart, a worker's event loop held up), and the old attempt
 * may still be in the SMTP conversation; SMTP cannot tell a message sent twice, so the new attempt
 * must wait. The claim lives on the delivery record and holds while its holder renews it: a dead
 * worker's claim runs out within CLAIM_LEASE_SECONDS and the next attempt takes it over.
 */
export const CLAIM_LEASE_SECONDS = 45;
const RENEW_EVERY_MS = 10_000;

/** Retryable: the delivery is in another attempt's hands; a later attempt finds it delivered or free. */
export const DeliveryInProgress = 'delivery_in_progress';

/** A token naming one attempt (each call of a channel activity is one attempt). */
export const newClaimToken = (): string => randomUUID();

/** The claim values a first attempt writes with the delivery record it inserts. */
export const claimUntil = (sql: Queryable) => sql`now() + make_interval(secs => ${CLAIM_LEASE_SECONDS})`;

/** Takes the claim of a begun delivery unless another attempt holds it; else fails retryably. */
export async function claimDelivery(sql: Queryable, workflowId: string, token: string): Promise<void> {
  const [row] = await sql`
    UPDATE deliveries SET claimed_by = ${token}, claimed_until = ${claimUntil(sql)}
    WHERE workflow_id = ${workflowId} AND state = 'started'
      AND (claimed_by IS NULL OR claimed_by = ${token} OR claimed_until < now())
    RETURNING 1`;
  if (!row) {
    throw ApplicationFailure.create({
      type: DeliveryInProgress,
      nonRetryable: false,
      message: 'Another attempt is handing this e-mail to the mail server right now; this attempt waits and tries again.',
    });
  }
}

/**
 * Renews the claim while `work` runs and gives it up if `work` fails (so the next attempt need
 * not wait out the lease). A renewal that fails (the database away) is tried again next time.
 */
export function holdingClaim<T>(sql: Sql, workflowId: string, token: string, work: () => Promise<T>): Promise<T> {
  return whileClaimed({
    renew: () => sql`UPDATE deliveries SET claimed_until = ${claimUntil(sql)} WHERE workflow_id = ${workflowId} AND claimed_by = ${token}`,
    release: () => sql`UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE workflow_id = ${workflowId} AND claimed_by = ${token}`,
  }, work, { releaseOnSuccess: false });
}

/** Runs `work` under a claim: renewed every RENEW_EVERY_MS, given up on failure (and on success when asked). */
export async function whileClaimed<T>(
  claim: { renew: () => Promise<unknown>; release: () => Promise<unknown> },
  work: () => Promise<T>,
  o: { releaseOnSuccess: boolean },
): Promise<T> {
  const timer = setInterval(() => void claim.renew().catch(() => {}), RENEW_EVERY_MS);
  try {
    const result = await work();
    if (o.releaseOnSuccess) await claim.release().catch(() => {});
    return result;
  } catch (err) {
    await claim.release().catch(() => {});
    throw err;
  } finally {
    clearInterval(timer);
  }
}
