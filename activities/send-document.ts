// One send in one activity: plan, render, deliver and record. A send is then a workflow start,
// this activity and the workflow's end — the fewest billable Temporal actions and workflow tasks
// a durable, individually findable send can have (see docs/benchmarks.md).
import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import { markDelivered } from '../db/invoice-state.js';
import type { Method } from '../domain/methods.js';
import { FailureType, type SendRef } from '../domain/send.js';
import { planDelivery, type DeliveryPlan, type PlanDeps } from './plan-delivery.js';
import { renderDocument } from './render-document.js';
import type { SendCache } from './send-cache.js';

type DeliverInput = { ref: SendRef; plan: DeliveryPlan; documentId: string };
export type Channel = (input: DeliverInput) => Promise<{ externalId: string | null }>;

export interface SendDocumentDeps extends PlanDeps {
  sql: Sql;
  cache?: SendCache;
  channels: Record<Method, Channel>;
  /** Told the plan once it is made (a log line). */
  planned?: (ref: SendRef, plan: DeliveryPlan) => void;
}

export type SendDocumentResult =
  | { outcome: 'sent'; method: Method; externalId: string | null }
  /** Credited before its delivery began: the credit recorded the undo; nothing went out. */
  | { outcome: 'undone' };

/**
 * Delivers one send exactly once. A retry after the delivery began (the channel's point of no
 * return) delivers by the plan it began with, read back from the delivery record, so a changed
 * customer between attempts never makes the record name another method or recipient than the
 * one used; a first attempt has no record to read. The delivery is recorded (status, history,
 * run progress) before the activity ends.
 */
export async function sendDocument(deps: SendDocumentDeps, ref: SendRef, o: { retry: boolean }): Promise<SendDocumentResult> {
  let documentId: string | null = null;
  try {
    const [begun] = o.retry ? await deps.sql`SELECT plan, document_id FROM deliveries WHERE workflow_id = ${ref.workflowId} AND plan IS NOT NULL` : [];
    let plan: DeliveryPlan;
    if (begun) {
      plan = begun.plan as DeliveryPlan;
      documentId = begun.document_id as string;
    } else {
      plan = await planDelivery(deps, ref);
      deps.planned?.(ref, plan);
      documentId = (await renderDocument(deps.sql, { ref, method: plan.method, firstAttempt: !o.retry }, deps.cache)).documentId;
    }
    const { externalId } = await deps.channels[plan.method]({ ref, plan, documentId });
    await markDelivered(deps.sql, { ref, method: plan.method, recipient: plan.recipient, rejected: plan.rejected, externalId });
    return { outcome: 'sent', method: plan.method, externalId };
  } catch (err) {
    // A credit before planning, or between planning and the channel's point of no return, undid the send.
    if (err instanceof ApplicationFailure && err.type === FailureType.NoLongerPending && (await wasUndone(deps.sql, ref))) return { outcome: 'undone' };
    throw err;
  } finally {
    // The cache carried the context and the PDF from planning to the channel; a retry reads them anew.
    deps.cache?.forgetSend(ref.workflowId, documentId);
  }
}

/** The credit that called this send off recorded it as undone (history keyed by the workflow id). */
async function wasUndone(sql: Sql, ref: SendRef): Promise<boolean> {
  const [row] = await sql`SELECT 1 FROM invoice_history WHERE dedupe_key = ${`${ref.workflowId}:undone`} AND tenant_id = ${ref.tenantId}`;
  return Boolean(row);
}
