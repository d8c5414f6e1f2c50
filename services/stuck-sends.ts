import type { Sql } from '../db/client.js';

/** A pending send this long past the end of its undo window has not gone out as it should. */
export const STUCK_AFTER_MINUTES = 15;

export async function countStuckPending(sql: Sql): Promise<number> {
  const [row] = await sql`
    SELECT count(*)::int AS n FROM invoices
    WHERE status = 'pending_send' AND pending_undo_until < now() - make_interval(mins => ${STUCK_AFTER_MINUTES})`;
  return row.n;
}

export async function pendingByCompany(sql: Sql): Promise<{ companyId: string; pending: number }[]> {
  const rows = await sql`SELECT company_id, count(*)::int AS n FROM invoices WHERE status = 'pending_send' GROUP BY company_id`;
  return rows.map((r) => ({ companyId: r.company_id, pending: r.n }));
}
