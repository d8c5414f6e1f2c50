import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import { FailureType, type SendRef } from '../domain/send.js';
import { loadSendContext, type SendContext } from './load-send-context.js';

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 5_000;

/**
 * What one step of a send read or made, kept briefly in the worker so the next steps of the same
 * send do not read it again: the context planDelivery read (right before delivery, as it must),
 * and the document renderDocument stored. A step that runs on another worker, or after the entry
 * expired, reads from the database as before; nothing here is needed for correctness.
 */
export class SendCache {
  constructor() {
    live.add(new WeakRef(this));
  }

  /**
   * The contexts held of these invoices (a person's, for their export); with `forget` they are
   * dropped (an erased person's), and the next step of such a send reads the database.
   */
  invoicesHeld(invoiceIds: Iterable<string>, o: { forget?: boolean } = {}): number {
    const ids = new Set(invoiceIds);
    let n = 0;
    for (const [key, entry] of this.contexts) {
      if (ids.has(entry.value.invoice?.id)) {
        if (o.forget) this.contexts.delete(key);
        n++;
      }
    }
    return n;
  }

  private readonly contexts = new Map<string, { at: number; value: SendContext }>();
  private readonly documents = new Map<string, { at: number; value: Buffer }>();

  rememberContext(workflowId: string, ctx: SendContext): void {
    put(this.contexts, workflowId, ctx);
  }

  context(workflowId: string): SendContext | null {
    return get(this.contexts, workflowId);
  }

  rememberDocument(documentId: string, content: Buffer): void {
    put(this.documents, documentId, content);
  }

  document(documentId: string): Buffer | null {
    return get(this.documents, documentId);
  }

  /** A send done in one step (send-document.ts) needs nothing kept after it: its PDF would sit here for minutes. */
  forgetSend(workflowId: string, documentId: string | null): void {
    this.contexts.delete(workflowId);
    if (documentId) this.documents.delete(documentId);
  }
}

// Every cache of this process, so an erasure reaches the one each worker of the process holds.
const live = new Set<WeakRef<SendCache>>();

/** The send contexts of these invoices held by the caches of this process; with `forget`, dropped. */
export function cachedInvoices(invoiceIds: string[], o: { forget?: boolean } = {}): number {
  let n = 0;
  for (const ref of live) {
    const cache = ref.deref();
    if (cache) n += cache.invoicesHeld(invoiceIds, o);
    else live.delete(ref);
  }
  return n;
}

function put<T>(map: Map<string, { at: number; value: T }>, key: string, value: T): void {
  map.delete(key);
  map.set(key, { at: Date.now(), value });
  // Insertion order is age order: drop the oldest beyond the cap.
  while (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
}

function get<T>(map: Map<string, { at: number; value: T }>, key: string): T | null {
  const entry = map.get(key);
  if (!entry) return null;
  if (Date.now() - entry.at > TTL_MS) {
    map.delete(key);
    return null;
  }
  return entry.value;
}

/** The send's context as planDelivery read it on this worker a moment ago, else read now; a deleted invoice ends the send. */
export async function cachedSendContext(deps: { sql: Sql; cache?: SendCache }, ref: SendRef): Promise<SendContext> {
  const ctx = deps.cache?.context(ref.workflowId) ?? (await loadSendContext(deps.sql, ref.tenantId, ref.invoiceId));
  if (!ctx) throw ApplicationFailure.nonRetryable('The invoice no longer exists.', FailureType.NoLongerPending);
  return ctx;
}

/** A document renderDocument stored, from this worker's cache or the database. */
export async function cachedDocument(deps: { sql: Sql; cache?: SendCache }, ref: SendRef, documentId: string): Promise<Buffer> {
  return deps.cache?.document(documentId)
    ?? (await deps.sql`SELECT content FROM documents WHERE id = ${documentId} AND tenant_id = ${ref.tenantId}`)[0].content;
}
