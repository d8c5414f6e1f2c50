import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Sql } from '../db/client.js';
import { credit, creditSend, type InFlightNote } from '../db/invoice-state.js';
import { confirmStarted } from '../db/send-runs.js';
import { AlreadyCredited } from '../domain/send.js';
import type { InvoiceStatus } from '../domain/methods.js';
import { creditUpdate } from '../workflows/definitions.js';
import { wakeUndoneSend, type TemporalDeps } from './start-send-workflow.js';
import type { SendInput } from '../domain/send.js';

const UPDATE_TIMEOUT_MS = 15_000;

export type CreditOutcome = { kind: 'not_found' } | { kind: 'conflict'; status: InvoiceStatus } | { kind: 'credited'; undone: boolean };

const refusedAsCredited = (err: unknown) =>
  err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === AlreadyCredited;

/**
 * Credits an invoice. A send waiting for the invoice is undone when its delivery has not begun —
 * decided in the database under the invoice's row lock, which a delivery takes to begin
 * (`creditSend`) — and its run is woken to end now. A delivery already begun is not recalled.
 * Runs started before the server held the undo window are asked, as they were, by an update.
 */
export async function creditInvoice(
  deps: TemporalDeps & { sql: Sql },
  tenantId: string,
  invoiceId: string,
  reason: string | null,
): Promise<CreditOutcome> {
  const [row] = await deps.sql`
    SELECT i.status, i.pending_workflow_id, s.input
    FROM invoices i LEFT JOIN send_run_items s ON s.workflow_id = i.pending_workflow_id AND s.tenant_id = i.tenant_id
    WHERE i.id = ${invoiceId} AND i.tenant_id = ${tenantId}`;
  if (!row) return { kind: 'not_found' };
  if (row.status === 'credited' || row.status === 'paid') return { kind: 'conflict', status: row.status };
  const input = row.input as SendInput | null;
  if (row.pending_workflow_id && input && !input.serverHeldWindow) return creditByUpdate(deps, tenantId, invoiceId, reason, row.pending_workflow_id);

  const settled = await creditSend(deps.sql, { tenantId, invoiceId, reason });
  if (settled.kind === 'undone') {
    // Best effort: a run not woken starts when its window ends, finds the undo and ends.
    if (input && input.workflowId === settled.workflowId) {
      await wakeUndoneSend(deps, input, reason)
        .then(() => confirmStarted(deps.sql, [settled.workflowId]))
        .catch(() => {});
    }
    return { kind: 'credited', undone: true };
  }
  if (settled.kind === 'credited' || settled.kind === 'begun') return { kind: 'credited', undone: false };
  return settled;
}

/** The credit of a send whose run waits in its own timer (started before the server held the window). */
async function creditByUpdate(
  deps: TemporalDeps & { sql: Sql },
  tenantId: string,
  invoiceId: string,
  reason: string | null,
  workflowId: string,
): Promise<CreditOutcome> {
  let inFlight: InFlightNote = 'no_answer';
  try {
    const handle = deps.client.workflow.getHandle(workflowId);
    // Bounded: with no worker to answer, the clerk gets a direct credit instead of a hanging request.
    const { undone } = await Promise.race([
      handle.executeUpdate(creditUpdate, { args: [{ reason: reason ?? undefined }] }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer from the send workflow')), UPDATE_TIMEOUT_MS).unref()),
    ]);
    if (undone) return { kind: 'credited', undone: true };
    inFlight = 'undo_passed';
  } catch (err) {
    // Another credit got there first: that one answers 200, this one 409.
    if (refusedAsCredited(err)) return { kind: 'conflict', status: 'credited' };
    // The workflow is not running (never started or already ended) or did not answer: credit directly.
  }
  const settled = await credit(deps.sql, { tenantId, invoiceId, reason, inFlight });
  if (settled.kind === 'done') return { kind: 'credited', undone: false };
  return settled;
}
