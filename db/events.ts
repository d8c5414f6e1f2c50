// The event feed: what happened, oldest first, for one tenant (API.md "Events and webhooks").
import type { Sql } from './client.js';
import { historyFromRow, invoiceFromRow } from './rows.js';
import { readRun, type SendRun } from './send-runs.js';

export interface Event {
  id: string;
  type: string;
  createdAt: string;
  companyId: string | null;
  invoiceId: string | null;
  runId: string | null;
  data: { invoice?: ReturnType<typeof invoiceFromRow>; history?: Record<string, unknown>; run?: SendRun; person?: Record<string, unknown> };
}

export class UnknownCursor extends Error {}

/** An event with the history entry it announces: what every reader of the feed selects. */
const withHistory = (sql: Sql) => sql`
  SELECT e.id, e.type, e.created_at, e.company_id, e.invoice_id, e.run_id, e.invoice_row, e.data AS own_data,
         h.at, h.type AS history_type, h.message, h.method, h.recipient, h.workflow_id, h.error
  FROM events e LEFT JOIN invoice_history h ON h.id = e.history_id`;

/**
 * Events after the cursor in the order they happened: by transaction, then within it. Only events
 * of transactions older than every one still running are shown, so a transaction that commits late
 * never slips an event in behind a cursor that has moved past it.
 */
export async function readEvents(
  sql: Sql,
  tenantId: string,
  o: { after: string | null; types: string[] | null; limit: number },
): Promise<Event[]> {
  let from: { txid: string; seq: string } | null = null;
  if (o.after) {
    const [row] = await sql`SELECT txid::text AS txid, seq::text AS seq FROM events WHERE id = ${o.after} AND tenant_id = ${tenantId}`;
    if (!row) throw new UnknownCursor(o.after);
    from = row as { txid: string; seq: string };
  }
  const rows = await sql`
    ${withHistory(sql)}
    WHERE e.tenant_id = ${tenantId} AND e.endpoint_id IS NULL
      AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
      ${from ? sql`AND (e.txid, e.seq) > (${from.txid}::xid8, ${from.seq}::bigint)` : sql``}
      ${o.types ? sql`AND e.type = ANY(${o.types}::text[])` : sql``}
    ORDER BY e.txid, e.seq
    LIMIT ${o.limit}`;
  return Promise.all(rows.map((r) => eventFromRow(sql, tenantId, r)));
}

async function eventFromRow(sql: Sql, tenantId: string, r: Record<string, any>): Promise<Event> {
  const data: Event['data'] = {};
  if (r.invoice_row) data.invoice = invoiceFromRow(r.invoice_row);
  if (r.history_type) data.history = historyFromRow({ ...r, type: r.history_type });
  // An event that announces no invoice carries its own payload (person.erased: ids only).
  if (r.own_data) Object.assign(data, r.own_data);
  if (r.type === 'send_run.completed' && r.run_id) data.run = (await readRun(sql, tenantId, r.run_id)) ?? undefined;
  return {
    id: r.id,
    type: r.type,
    createdAt: new Date(r.created_at).toISOString(),
    companyId: r.company_id ?? null,
    invoiceId: r.invoice_id ?? null,
    runId: r.run_id ?? null,
    data,
  };
}

/**
 * The next events for a webhook endpoint after its cursor: those it subscribed to (`*` = all)
 * plus its own test events, in feed order — their ids and the positions to move the cursor to.
 * The bodies are made when each is delivered (readEventById).
 */
export async function nextEndpointEvents(
  sql: Sql,
  endpoint: { id: string; tenantId: string; events: string[]; cursorTxid: string; cursorSeq: string },
  limit: number,
): Promise<{ eventId: string; txid: string; seq: string }[]> {
  const all = endpoint.events.includes('*');
  const rows = await sql`
    SELECT e.id AS event_id, e.txid::text AS txid, e.seq::text AS seq FROM events e
    WHERE e.tenant_id = ${endpoint.tenantId}
      AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
      AND (e.txid, e.seq) > (${endpoint.cursorTxid}::xid8, ${endpoint.cursorSeq}::bigint)
      AND (e.endpoint_id = ${endpoint.id} OR (e.endpoint_id IS NULL AND (${all} OR e.type = ANY(${endpoint.events}::text[]))))
    ORDER BY e.txid, e.seq
    LIMIT ${limit}`;
  return rows.map((r) => ({ eventId: r.event_id as string, txid: r.txid as string, seq: r.seq as string }));
}

/** One event by id (a test event included), as its webhook body is made from it. */
export async function readEventById(sql: Sql, tenantId: string, id: string): Promise<Event | null> {
  const [r] = await sql`
    ${withHistory(sql)}
    WHERE e.id = ${id} AND e.tenant_id = ${tenantId}`;
  return r ? eventFromRow(sql, tenantId, r) : null;
}
