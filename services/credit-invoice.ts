import type { Sql } from '../db/client.js';
import { appendHistory } from '../db/history.js';
import { clearPendingSend, restoreReminderCounters } from '../db/pending-send.js';
import { creditUpdate } from '../workflows/definitions.js';
import type { TemporalDeps } from './start-send-workflow.js';

const UPDATE_TIMEOUT_MS = 15_000;

export type CreditOutcome = { kind: 'not_found' } | { kind: 'conflict'; status: string } | { kind: 'credited'; undone: boolean };

/**
 * Credits an invoice. While a send waits in its undo window, the workflow decides (it alone
 * knows whether delivery has begun) and, when it is in time, undoes the send itself. Otherwise
 * the invoice is credited here; a delivery already made or under way is not recalled.
 */
export async function creditInvoice(
  deps: TemporalDeps & { sql: Sql },
  tenantId: string,
  invoiceId: string,
  reason: string | null,
): Promise<CreditOutcome> {
  const [row] = await deps.sql`SELECT status, pending_workflow_id FROM invoices WHERE id = ${invoiceId} AND tenant_id = ${tenantId}`;
  if (!row) return { kind: 'not_found' };
  if (row.status === 'credited' || row.status === 'paid') return { kind: 'conflict', status: row.status };

  let workflowAnswered = false;
  if (row.pending_workflow_id) {
    try {
      const handle = deps.client.workflow.getHandle(row.pending_workflow_id);
      // Bounded: with no worker to answer, the clerk gets a direct credit instead of a hanging request.
      const { undone } = await Promise.race([
        handle.executeUpdate(creditUpdate, { args: [{ reason: reason ?? undefined }] }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer from the send workflow')), UPDATE_TIMEOUT_MS).unref()),
      ]);
      if (undone) return { kind: 'credited', undone: true };
      workflowAnswered = true;
    } catch {
      // The workflow is not running (never started or already ended): credit directly below.
    }
  }

  return deps.sql.begin(async (tx) => {
    const [updated] = await tx`
      UPDATE invoices SET status = 'credited',
        ${restoreReminderCounters(tx)},
        ${clearPendingSend(tx)}
      WHERE id = ${invoiceId} AND tenant_id = ${tenantId} AND status NOT IN ('credited', 'paid')
      RETURNING (SELECT status FROM invoices WHERE id = ${invoiceId}) AS before`;
    if (!updated) {
      const [now] = await tx`SELECT status FROM invoices WHERE id = ${invoiceId} AND tenant_id = ${tenantId}`;
      return { kind: 'conflict', status: now?.status ?? 'unknown' } as CreditOutcome;
    }
    const pendingNote =
      updated.before !== 'pending_send'
        ? ''
        : workflowAnswered
          ? ' The undo window had passed, so the delivery already under way was not recalled.'
          : ' The send waiting to go out will not be delivered unless its delivery had already begun.';
    await appendHistory(tx, {
      tenantId,
      invoiceId,
      type: 'credited',
      message: `Invoice credited.${pendingNote}${reason ? ` Reason: ${reason}` : ''}`,
    });
    return { kind: 'credited', undone: false } as CreditOutcome;
  });
}
