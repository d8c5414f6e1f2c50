// Send runs: one per send request, with an item per accepted send. The items are the durable
// start queue (who still owes a workflow its start) and the run's progress (how each send ended).
import type { Queryable, Sql } from './client.js';
import type postgres from 'postgres';
import type { SendKind } from '../domain/methods.js';
import type { SendInput } from '../domain/send.js';

export type RunOutcome = 'sent' | 'failed' | 'undone';

/** How long the accepting process has to start a run's workflows before any reconciler may. */
export const START_LEASE_SECONDS = 60;

export interface SendRun {
  id: string;
  kind: SendKind;
  createdAt: string;
  total: number;
  accepted: number;
  refused: number;
  pending: number;
  sent: number;
  failed: number;
  undone: number;
  completedAt: string | null;
}

/** Records the run and its accepted sends, in the transaction that makes them pending. */
export async function recordRun(
  tx: Queryable,
  run: { id: string; tenantId: string; kind: SendKind; companyIds: string[]; total: number; refused: number; sends: SendInput[] },
): Promise<void> {
  await tx`
    INSERT INTO send_runs (id, tenant_id, kind, company_ids, total, accepted, refused)
    VALUES (${run.id}, ${run.tenantId}, ${run.kind}, ${run.companyIds}::text[], ${run.total}, ${run.sends.length}, ${run.refused})`;
  if (run.sends.length === 0) {
    await emitRunCompleted(tx, run.id);
    return;
  }
  // The inputs as one JSON document: a text array of 10,000 JSON texts costs the client an escape
  // of every quote and the server an array parse before each element's own.
  await tx`
    INSERT INTO send_run_items (workflow_id, run_id, tenant_id, invoice_id, input, start_lease_until)
    SELECT s->>'workflowId', ${run.id}, ${run.tenantId}, s->>'invoiceId', s, now() + make_interval(secs => ${START_LEASE_SECONDS})
    FROM jsonb_array_elements(${tx.json(run.sends as unknown as postgres.JSONValue)}) AS s`;
}

/**
 * Records how a send ended, in the transaction that records it on the invoice. The first
 * outcome stands, except that a delivery always counts as sent: it happened.
 */
export async function settleRunItem(tx: Queryable, workflowId: string, outcome: RunOutcome): Promise<void> {
  // Settlements of one run take turns at the run's row, at the end of their transactions (the
  // item's update and the lock in one statement): the last one sees every other committed, and
  // only it finds nothing pending — in the next statement, whose snapshot is taken after the lock.
  const [item] = await tx`
    WITH item AS (
      UPDATE send_run_items SET outcome = ${outcome}, settled_at = clock_timestamp()
      WHERE workflow_id = ${workflowId} AND (outcome = 'pending' OR (${outcome} = 'sent' AND outcome <> 'sent'))
      RETURNING run_id)
    SELECT r.id AS run_id FROM send_runs r JOIN item ON r.id = item.run_id FOR UPDATE OF r`;
  if (!item) return;
  await emitRunCompleted(tx, item.run_id);
}

/** `send_run.completed`, once, when nothing of the run is pending. */
async function emitRunCompleted(tx: Queryable, runId: string): Promise<void> {
  await tx`
    INSERT INTO events (tenant_id, run_id, type)
    SELECT r.tenant_id, r.id, 'send_run.completed' FROM send_runs r
    WHERE r.id = ${runId} AND NOT EXISTS (SELECT 1 FROM send_run_items WHERE run_id = ${runId} AND outcome = 'pending')
    ON CONFLICT (run_id) WHERE type = 'send_run.completed' DO NOTHING`;
}

/** Workflows the server has confirmed as started: nobody needs to start them again. */
export async function confirmStarted(sql: Sql, workflowIds: string[]): Promise<void> {
  if (workflowIds.length === 0) return;
  await sql`UPDATE send_run_items SET started = true WHERE workflow_id = ANY(${workflowIds}::text[]) AND NOT started`;
}

/**
 * Takes over starts whose lease ran out (the accepting process died, or Temporal refused the
 * start), leasing them anew so two reconcilers do not both start the same batch.
 */
export async function claimOwedStarts(sql: Sql, limit: number): Promise<SendInput[]> {
  const rows = await sql`
    UPDATE send_run_items SET start_lease_until = now() + make_interval(secs => ${START_LEASE_SECONDS})
    WHERE workflow_id IN (
      SELECT workflow_id FROM send_run_items
      WHERE NOT started AND start_lease_until < now()
      ORDER BY start_lease_until
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING input`;
  return rows.map((r) => r.input as SendInput);
}

const runColumns = (sql: Queryable) => sql`
  r.id, r.kind, r.created_at, r.total, r.accepted, r.refused,
  coalesce(c.pending, 0)::int AS pending, coalesce(c.sent, 0)::int AS sent,
  coalesce(c.failed, 0)::int AS failed, coalesce(c.undone, 0)::int AS undone, c.last_settled`;

const itemCounts = (sql: Queryable) => sql`
  LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE outcome = 'pending') AS pending,
           count(*) FILTER (WHERE outcome = 'sent') AS sent,
           count(*) FILTER (WHERE outcome = 'failed') AS failed,
           count(*) FILTER (WHERE outcome = 'undone') AS undone,
           max(settled_at) AS last_settled
    FROM send_run_items WHERE run_id = r.id) c ON true`;

function toRun(r: Record<string, any>): SendRun {
  return {
    id: r.id,
    kind: r.kind,
    createdAt: new Date(r.created_at).toISOString(),
    total: r.total,
    accepted: r.accepted,
    refused: r.refused,
    pending: r.pending,
    sent: r.sent,
    failed: r.failed,
    undone: r.undone,
    // Complete when nothing is pending: at the last settlement (at once for a run that accepted none).
    completedAt: r.pending > 0 ? null : new Date(r.last_settled ?? r.created_at).toISOString(),
  };
}

export async function readRun(sql: Sql, tenantId: string, runId: string): Promise<SendRun | null> {
  const [row] = await sql`SELECT ${runColumns(sql)} FROM send_runs r ${itemCounts(sql)} WHERE r.id = ${runId} AND r.tenant_id = ${tenantId}`;
  return row ? toRun(row) : null;
}

/** Newest first; the cursor is the last id of the previous page. */
export async function listRuns(
  sql: Sql,
  tenantId: string,
  o: { companyId: string | null; limit: number; cursor: string | null },
): Promise<{ items: SendRun[]; nextCursor: string | null }> {
  const rows = await sql`
    SELECT ${runColumns(sql)} FROM send_runs r ${itemCounts(sql)}
    WHERE r.tenant_id = ${tenantId}
      ${o.companyId ? sql`AND r.company_ids @> ARRAY[${o.companyId}]::text[]` : sql``}
      ${o.cursor ? sql`AND r.id < ${o.cursor}` : sql``}
    ORDER BY r.id DESC
    LIMIT ${o.limit + 1}`;
  const items = rows.slice(0, o.limit).map(toRun);
  return { items, nextCursor: rows.length > o.limit ? items.at(-1)!.id : null };
}
