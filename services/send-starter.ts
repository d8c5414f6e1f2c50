import PQueue from 'p-queue';
import { activeContext, withContext } from '../platform/tracing.js';
import { confirmStarted } from '../db/send-runs.js';
import type { Sql } from '../db/client.js';
import type { SendInput } from '../domain/send.js';
import { startSendWorkflow, type TemporalDeps } from './start-send-workflow.js';

/** Parallel starts against the Temporal frontend; more only queues inside the server. */
const START_CONCURRENCY = 64;
/** Confirmations are written in batches: one UPDATE per batch instead of one per workflow. */
const CONFIRM_BATCH = 500;
const CONFIRM_DELAY_MS = 200;

export interface StarterDeps extends TemporalDeps {
  sql: Sql;
  log?: (msg: string) => void;
}

/**
 * Starts the workflows of accepted sends after the request has been answered. The sends are
 * already committed with their workflow ids and a start lease; a start that fails here (or never
 * happens, because the process died) is made by a reconciler once the lease runs out.
 */
export class SendStarter {
  private readonly queue = new PQueue({ concurrency: START_CONCURRENCY });
  private confirmed: string[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: StarterDeps) {}

  enqueue(inputs: SendInput[]): void {
    // The starts run after the answer, but belong to the request's trace.
    const ctx = activeContext();
    for (const input of inputs) void this.queue.add(() => withContext(ctx, () => this.start(input)));
  }

  /** Resolves when every start handed over so far has been made (or left to the reconciler). */
  async drain(): Promise<void> {
    await this.queue.onIdle();
    await this.flush();
  }

  private async start(input: SendInput): Promise<void> {
    try {
      await startSendWorkflow(this.deps, input);
      this.confirmed.push(input.workflowId);
      if (this.confirmed.length >= CONFIRM_BATCH) void this.flush();
      else this.flushTimer ??= setTimeout(() => void this.flush(), CONFIRM_DELAY_MS);
    } catch (err) {
      this.deps.log?.(`could not start ${input.workflowId} now, a reconciler will: ${(err as Error).message}`);
    }
  }

  private flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.confirmed;
    this.confirmed = [];
    // Serialised, so drain() waits for every batch; a lost confirmation only costs a duplicate start that Temporal refuses.
    this.flushing = this.flushing.then(() =>
      confirmStarted(this.deps.sql, batch).catch((err) => this.deps.log?.(`could not record ${batch.length} starts: ${(err as Error).message}`)),
    );
    return this.flushing;
  }
}
