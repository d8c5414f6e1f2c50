import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Sql } from '../db/client.js';
import { credit, type InFlightNote } from '../db/invoice-state.js';
import { confirmStarted } from '../db/send-runs.js';
import { AlreadyCredited } from '../domain/send.js';
import type { InvoiceStatus } from '../domain/methods.js';
import { creditUpdate } from '../workflows/definitions.js';
import { startSendWorkflow, type TemporalDeps } from './start-send-workflow.js';
import type { SendInput } from '../domain/send.js';

const UPDATE_TIMEOUT_MS = 15_000;

export type CreditOutcome = { kind: 'not_found' } | { kind: 'conflict'; status: InvoiceStatus } | { kind: 'credited'; undone: boolean };

const refusedAsCredited = (err: unknown) =>
  err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === AlreadyCredited;

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

  let inFlight: InFlightNote = 'no_answer';
  if (row.pending_workflow_id) {
    try {
      // A send accepted a moment ago may still wait for its start: start it now, so it can answer.
      const [owed] = await deps.sql`SELECT input FROM send_run_items WHERE workflow_id = ${row.pending_workflow_id} AND tenant_id = ${tenantId} AND NOT started`;
      if (owed) {
        await startSendWorkflow(deps, owed.input as SendInput);
        await confirmStarted(deps.sql, [row.pending_workflow_id]);
      }
      const handle = deps.client.workflow.getHandle(row.pending_workflow_id);
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
  }
  const settled = await credit(deps.sql, { tenantId, invoiceId, reason, inFlight });
  if (settled.kind === 'done') return { kind: 'credited', undone: false };
  return settled;
}
