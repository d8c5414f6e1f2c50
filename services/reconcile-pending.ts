import pMap from 'p-map';
import type { Sql } from '../db/client.js';
import { markDelivered, restoreAfterFailure } from '../db/invoice-state.js';
import { claimOwedStarts, confirmStarted } from '../db/send-runs.js';
import type { Method } from '../domain/methods.js';
import { FailureType } from '../domain/send.js';
import type { SendInput } from '../domain/send.js';
import { startSendWorkflow, type TemporalDeps } from './start-send-workflow.js';
import { ensureAllWebhookWorkflows } from './webhook-workflows.js';

/** A send normally settles seconds after its window; one still pending this long after is looked at. */
const AFTER_WINDOW_SECONDS = 300;

export interface ReconcileResult {
  started: number;
  running: number;
  /** Sends asked about one by one (a start, then a describe): those the server's visibility did not list as running. */
  probed: number;
  restored: number;
  /** Delivered before its workflow ended, but never recorded as such. */
  delivered: number;
}

/**
 * Makes sure every `pending_send` invoice is owned by a live workflow. A send whose workflow was
 * never started (the accepting process died right after answering, or Temporal refused the start)
 * gets it started once its start lease has run out. A send whose undo window has passed and whose
 * workflow ended without finishing (e.g. terminated by an operator) is settled by the facts:
 * delivered when its delivery was made, else restored to its previous state with the reason in
 * its history. Checking only after the window keeps a large run's waiting sends off the server.
 */
export async function reconcilePending(
  deps: TemporalDeps & { sql: Sql },
  opts: { olderThanSeconds: number; afterWindowSeconds?: number },
): Promise<ReconcileResult> {
  const result: ReconcileResult = { started: 0, running: 0, probed: 0, restored: 0, delivered: 0 };
  const owed = await claimOwedStarts(deps.sql, 5000);
  const made: string[] = [];
  await pMap(
    owed,
    async (input) => {
      if ((await startSendWorkflow(deps, input)) === 'started') result.started++;
      made.push(input.workflowId);
    },
    { concurrency: 32, stopOnError: false },
  ).catch(() => {
    // The starts that failed keep their lease and are tried again on a later round.
  });
  await confirmStarted(deps.sql, made);

  const rows = await deps.sql`
    SELECT i.id, i.tenant_id, i.number, i.company_id, i.pending_workflow_id, i.pending_kind, i.pending_template_id,
           i.pending_request_id, i.pending_undo_until,
           -- The method the request asked for, kept in its run item's input (sends before runs have none).
           (SELECT s.input->>'requestedMethod' FROM send_run_items s WHERE s.workflow_id = i.pending_workflow_id) AS requested_method
    FROM invoices i
    WHERE status = 'pending_send' AND pending_since < now() - make_interval(secs => ${opts.olderThanSeconds})
      AND pending_undo_until < now() - make_interval(secs => ${opts.afterWindowSeconds ?? AFTER_WINDOW_SECONDS})
      AND NOT EXISTS (SELECT 1 FROM send_run_items s WHERE s.workflow_id = i.pending_workflow_id AND NOT s.started)
    ORDER BY pending_since
    LIMIT 5000`;
  // Sends of a large run wait their turn past this threshold while their workflows run: listed as
  // running, they cost one list call per hundred instead of a start and a describe each, every round.
  const running = await listedRunning(deps, rows.map((r) => r.pending_workflow_id as string));
  result.running += running.size;
  result.probed = rows.length - running.size;
  await pMap(
    rows.filter((r) => !running.has(r.pending_workflow_id)),
    async (r) => {
      const input: SendInput = {
        tenantId: r.tenant_id,
        invoiceId: r.id,
        workflowId: r.pending_workflow_id,
        kind: r.pending_kind,
        templateId: r.pending_template_id,
        requestId: r.pending_request_id,
        invoiceNumber: r.number,
        companyId: r.company_id,
        undoUntil: new Date(r.pending_undo_until).toISOString(),
        serverHeldWindow: true,
        // A send that asked for a method goes by it, also when started here: never by the customer's instead.
        ...(r.requested_method ? { requestedMethod: r.requested_method as Method } : {}),
      };
      if ((await startSendWorkflow(deps, input)) === 'started') {
        result.started++;
        return;
      }
      const description = await deps.client.workflow.getHandle(input.workflowId).describe();
      if (description.status.name === 'RUNNING') {
        result.running++;
        return;
      }
      const [made] = await deps.sql`
        SELECT method, recipient, external_id FROM deliveries WHERE workflow_id = ${input.workflowId} AND state = 'delivered'`;
      if (made) {
        await markDelivered(deps.sql, { ref: input, method: made.method as Method, recipient: made.recipient, rejected: [], externalId: made.external_id });
        result.delivered++;
        return;
      }
      const restored = await restoreAfterFailure(deps.sql, {
        ref: input,
        code: FailureType.DeliveryFailed,
        message: `the send was stopped before it finished (its workflow ended as ${description.status.name.toLowerCase()})`,
        onlyIfPending: true,
      });
      if (restored) result.restored++;
    },
    { concurrency: 16 },
  );
  return result;
}

/** Ids listed per visibility query: a query of a hundred ids is about 6 KB. */
const LIST_CHUNK = 100;

/**
 * Of these workflow ids, those the server's visibility lists as running. Visibility lags: a run
 * that has just ended may still be listed (and is looked at next round), one just started may not
 * be yet (and is asked about one by one, as every id not listed is).
 */
async function listedRunning(t: TemporalDeps, workflowIds: string[]): Promise<Set<string>> {
  const running = new Set<string>();
  // Our ids are letters, digits, '_' and '-'; anything else is not put in a query, only asked about.
  const quotable = workflowIds.filter((id) => /^[\w-]+$/.test(id));
  for (let i = 0; i < quotable.length; i += LIST_CHUNK) {
    const ids = quotable.slice(i, i + LIST_CHUNK).map((id) => `'${id}'`).join(', ');
    for await (const w of t.client.workflow.list({ query: `ExecutionStatus = 'Running' AND WorkflowId IN (${ids})` })) running.add(w.workflowId);
  }
  return running;
}

/** Runs the reconciler now and then every `intervalMs` until stopped. */
export function startReconcileLoop(
  deps: TemporalDeps & { sql: Sql; log?: (msg: string) => void },
  intervalMs = 15_000,
): () => void {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const tick = async () => {
    try {
      const r = await reconcilePending(deps, { olderThanSeconds: 10 });
      await ensureAllWebhookWorkflows(deps);
      if (r.started || r.restored || r.delivered) deps.log?.(`reconciler: started ${r.started}, restored ${r.restored}, settled as delivered ${r.delivered}`);
    } catch (err) {
      deps.log?.(`reconciler: ${(err as Error).message}`);
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
