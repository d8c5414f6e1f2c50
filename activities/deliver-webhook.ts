import { ApplicationFailure, Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import type { Sql } from '../db/client.js';
import { nextEndpointEvents, readEventById } from '../db/events.js';
import { postToWebhookTarget, webhookTargetPolicy, type PostOutcome, type WebhookTargetPolicy } from '../platform/webhook-target.js';
import { claimUntil, DeliveryInProgress, newClaimToken, whileClaimed } from './delivery-claim.js';

/** A receiver has this long to answer 2xx (API.md); anything else is a failed attempt. */
const RECEIVER_TIMEOUT_MS = 10_000;

export interface WebhookRef {
  endpointId: string;
  tenantId: string;
}

export interface QueuedWebhookEvent {
  eventId: string;
  txid: string;
  seq: string;
}

interface LiveEndpoint {
  id: string;
  url: string;
  events: string[];
  secret: string;
  cursor_txid: string;
  cursor_seq: string;
}

async function liveEndpoint(sql: Sql, ref: WebhookRef): Promise<LiveEndpoint | null> {
  const [e] = await sql<LiveEndpoint[]>`
    SELECT id, url, events, secret, cursor_txid::text AS cursor_txid, cursor_seq::text AS cursor_seq FROM webhook_endpoints
    WHERE id = ${ref.endpointId} AND tenant_id = ${ref.tenantId} AND deleted_at IS NULL AND enabled`;
  return e ?? null;
}

/** The endpoint's next events after its cursor; `gone` once it is deleted or disabled. */
export async function nextWebhookEvents(sql: Sql, ref: WebhookRef): Promise<{ gone: boolean; events: QueuedWebhookEvent[] }> {
  const e = await liveEndpoint(sql, ref);
  if (!e) return { gone: true, events: [] };
  return { gone: false, events: await queuedAfterCursor(sql, e, ref, 50) };
}

const queuedAfterCursor = (sql: Sql, e: LiveEndpoint, ref: WebhookRef, limit: number) =>
  nextEndpointEvents(sql, { id: e.id, tenantId: ref.tenantId, events: e.events, cursorTxid: e.cursor_txid, cursorSeq: e.cursor_seq }, limit);

async function advance(sql: Sql, ref: WebhookRef, q: QueuedWebhookEvent) {
  await sql`
    UPDATE webhook_endpoints SET cursor_txid = ${q.txid}::xid8, cursor_seq = ${q.seq}::bigint
    WHERE id = ${ref.endpointId} AND (cursor_txid, cursor_seq) < (${q.txid}::xid8, ${q.seq}::bigint)`;
}

/** The delivery log's words for an attempt that did not end in a 2xx (null: delivered). */
function attemptError(outcome: PostOutcome): string | null {
  switch (outcome.kind) {
    case 'answered':
      if (outcome.status >= 200 && outcome.status <= 299) return null;
      if (outcome.status >= 300 && outcome.status <= 399) return `The receiver answered HTTP ${outcome.status}; redirects are not followed.`;
      return `The receiver answered HTTP ${outcome.status}.`;
    case 'timeout':
      return `No answer within ${RECEIVER_TIMEOUT_MS / 1000} s.`;
    case 'unreachable':
      return `Could not reach the receiver: ${outcome.code}.`;
    case 'refused':
      return `Refused before connecting: ${outcome.reason}. Webhooks go only to public addresses over https (WEBHOOK_ALLOW_PRIVATE_TARGETS is off).`;
  }
}

/**
 * One attempt to deliver one event: signed POST, recorded whatever happens. A 2xx moves the
 * endpoint's cursor past the event; anything else is the error the log shows (null: delivered).
 * The target is checked at every attempt (platform/webhook-target.ts): an address that is not
 * public is refused before any connection, and the log says why.
 */
async function attemptDelivery(
  sql: Sql,
  endpoint: { url: string; secret: string },
  input: WebhookRef & QueuedWebhookEvent,
  attempt: number,
  policy: WebhookTargetPolicy,
): Promise<string | null> {
  const event = await readEventById(sql, input.tenantId, input.eventId);
  if (!event) {
    // Nothing to say: it cannot have happened. The cursor moves on past it.
    await advance(sql, input, input);
    return null;
  }
  const body = JSON.stringify(event);
  const at = new Date();
  const outcome = await postToWebhookTarget(endpoint.url, policy, {
    timeoutMs: RECEIVER_TIMEOUT_MS,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'invoice-distribution-webhooks/1',
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(endpoint.secret).sign(event.id, at, body),
    },
    body,
  });
  const status = outcome.kind === 'answered' ? outcome.status : null;
  const error = attemptError(outcome);
  await sql`
    INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, attempt, response_status, error, succeeded)
    VALUES (${input.endpointId}, ${event.id}, ${event.type}, ${attempt}, ${status}, ${error}, ${error === null})`;
  if (error === null) await advance(sql, input, input);
  return error;
}

/** One event, one attempt per activity attempt (runs of the webhook workflow started before batches). */
export async function deliverWebhook(
  sql: Sql,
  input: WebhookRef & QueuedWebhookEvent,
  policy: WebhookTargetPolicy = webhookTargetPolicy(),
): Promise<'delivered' | 'gone'> {
  const endpoint = await liveEndpoint(sql, input);
  if (!endpoint) return 'gone';
  const error = await attemptDelivery(sql, endpoint, input, Context.current().info.attempt, policy);
  if (error) throw ApplicationFailure.retryable(error, 'webhook_attempt_failed');
  return 'delivered';
}

/**
 * The endpoint's next events, delivered one after another in feed order in one activity (a
 * Temporal round trip per event held a billing run's 30,000 events back by half an hour). Stops
 * at the first event the receiver does not take: if it was the first of this attempt, the
 * activity fails and Temporal retries it with growing delays; after progress it returns, so the
 * failing event starts its own retries afresh. Attempts are numbered per event from the log.
 */
export async function deliverWebhookBatch(
  sql: Sql,
  ref: WebhookRef,
  policy: WebhookTargetPolicy = webhookTargetPolicy(),
): Promise<{ gone: boolean; delivered: number }> {
  // One attempt at a time posts an endpoint's events: a retry Temporal starts after a missed
  // heartbeat, while this one still posts, would read the same cursor and post them again. The
  // cursor is read only once the claim is held.
  const token = newClaimToken();
  const [claimed] = await sql`
    UPDATE webhook_endpoints SET claimed_by = ${token}, claimed_until = ${claimUntil(sql)}
    WHERE id = ${ref.endpointId} AND tenant_id = ${ref.tenantId} AND (claimed_by IS NULL OR claimed_until < now())
    RETURNING 1`;
  if (!claimed) {
    const [exists] = await sql`SELECT 1 FROM webhook_endpoints WHERE id = ${ref.endpointId} AND tenant_id = ${ref.tenantId}`;
    if (!exists) return { gone: true, delivered: 0 };
    throw ApplicationFailure.create({
      type: DeliveryInProgress,
      nonRetryable: false,
      message: "Another attempt is delivering this endpoint's events right now; this attempt waits and tries again.",
    });
  }
  return whileClaimed({
    renew: () => sql`UPDATE webhook_endpoints SET claimed_until = ${claimUntil(sql)} WHERE id = ${ref.endpointId} AND claimed_by = ${token}`,
    release: () => sql`UPDATE webhook_endpoints SET claimed_by = NULL, claimed_until = NULL WHERE id = ${ref.endpointId} AND claimed_by = ${token}`,
  }, () => deliverClaimedBatch(sql, ref, policy), { releaseOnSuccess: true });
}

async function deliverClaimedBatch(sql: Sql, ref: WebhookRef, policy: WebhookTargetPolicy): Promise<{ gone: boolean; delivered: number }> {
  const e = await liveEndpoint(sql, ref);
  if (!e) return { gone: true, delivered: 0 };
  const queued = await queuedAfterCursor(sql, e, ref, BATCH);
  let delivered = 0;
  for (const q of queued) {
    // Only the event at the head can have been tried before: delivery stops at the first refusal,
    // and the cursor is past every event taken.
    const attempt = delivered === 0 ? (await priorAttempts(sql, ref, q)) + 1 : 1;
    const error = await attemptDelivery(sql, e, { ...ref, ...q }, attempt, policy);
    if (error) {
      if (delivered === 0) throw ApplicationFailure.retryable(error, 'webhook_attempt_failed');
      break;
    }
    delivered++;
    Context.current().heartbeat(delivered);
  }
  return { gone: false, delivered };
}

async function priorAttempts(sql: Sql, ref: WebhookRef, q: QueuedWebhookEvent): Promise<number> {
  const [{ n }] = await sql`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = ${ref.endpointId} AND event_id = ${q.eventId}`;
  return n;
}

/** Events one batch delivers at most; a new batch rereads the endpoint (deleted or disabled meanwhile). */
const BATCH = 100;

/** Retries for this event ran out (days): the endpoint moves on to the next one; the log shows why. */
export async function giveUpWebhookEvent(sql: Sql, input: WebhookRef & QueuedWebhookEvent): Promise<void> {
  await advance(sql, input, input);
}
