import { z } from '@hono/zod-openapi';
import { ulid } from '../../platform/ulid.js';
import { WorkflowFailedError } from '@temporalio/client';
import { newRouter, route, json, body, type AppDeps } from '../context.js';
import { historyFromRow, invoiceFromRow, personFromRow } from '../../db/rows.js';
import { HistoryEntry, Invoice, ParamsId, Person } from '../schemas.js';
import { conflict, notFound, ProblemError } from '../problem.js';
import { erasePerson, OpenInvoices, openInvoices, personalDataExport } from '../../services/personal-data.js';
import { erasePersonalDataFiles, findPersonalDataFiles } from '../../workflows/personal-data-files.js';
import type { PersonalDataFile } from '../../services/personal-data-files.js';

const FoundKinds = z.array(z.enum(['name', 'email', 'address', 'personal_identity_number', 'payer_number']));

const PersonalData = z
  .object({
    person: Person.extend({ erasedAt: z.string().nullable() }),
    invoices: z.array(Invoice),
    history: z.array(HistoryEntry.extend({ invoiceId: z.string() })),
    deliveries: z.array(z.object({
      workflowId: z.string(), invoiceId: z.string(), method: z.string(), recipient: z.string(), customerName: z.string().nullable(),
      state: z.string(), createdAt: z.string(), deliveredAt: z.string().nullable(),
    })),
    documents: z.array(z.object({ id: z.string(), invoiceId: z.string(), kind: z.string(), contentType: z.string(), createdAt: z.string() })),
    events: z.array(z.object({ id: z.string(), type: z.string(), createdAt: z.string() })),
    autogiroMandates: z.array(z.object({ id: z.string(), companyId: z.string(), payerNumber: z.string(), status: z.string() })),
    erasures: z.array(z.object({ id: z.string(), erasedAt: z.string() })),
    kept: z.array(z.object({ kind: z.string(), id: z.string(), until: z.string(), deletedAt: z.string().nullable() })),
    places: z.object({
      stored: z.array(z.object({
        table: z.string(), column: z.string(), key: z.string(), found: FoundKinds,
        ofAnotherCustomer: z.literal(true).optional().openapi({ description: 'The row is another customer’s own (the same e-mail address, say): listed, never erased with this person.' }),
      })),
      files: z.array(z.object({ path: z.string(), found: FoundKinds, delivery: z.boolean() })),
      sendCache: z.number().int().openapi({ description: 'Send contexts of the person’s invoices held in the memory of the worker process that answered (for five minutes after a send).' }),
      outboxSearched: z.boolean().openapi({ description: 'false when no worker answered: the outbox files (which live with the worker) were not searched, `files` is empty; ask again.' }),
    }).openapi({ description: 'Every place a piece of the person’s data was found: table cells (table, column, primary key) and outbox files.' }),
  })
  .openapi('PersonalData');

const EraseRequest = z.strictObject({ reason: z.string().trim().min(1).max(500) }).openapi('EraseRequest');
const Erasure = z
  .object({
    erasedAt: z.string(),
    kept: z.array(z.object({ kind: z.string(), id: z.string(), until: z.string() })),
  })
  .openapi('Erasure');

const iso = (d: unknown) => (d ? new Date(d as string).toISOString() : null);
const dateOnly = (d: unknown) => (d instanceof Date ? d.toISOString().slice(0, 10) : String(d).slice(0, 10));
const WORKER_WAIT_MS = 60_000;

/**
 * The worker's part (outbox files, send cache), waited for. The workflow may take no longer than
 * the wait, so one the API gave up on does not run on later; the database is untouched then.
 */
async function onWorker<T>(run: (workflowId: string) => Promise<T>, prefix: string, what: string): Promise<T> {
  const unavailable = () => new ProblemError(503, 'worker_unavailable', 'Service unavailable', `The worker did not answer in time: ${what}. Try again.`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable()), WORKER_WAIT_MS + 5_000);
  });
  try {
    return await Promise.race([run(`${prefix}-${ulid()}`), timeout]);
  } catch (e) {
    if (e instanceof WorkflowFailedError) throw unavailable();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

export function personalDataRoutes(deps: AppDeps) {
  const { sql } = deps;
  const { client, taskQueue } = deps.temporal;
  const app = newRouter();
  /** Whether a worker polls the task queue now (Temporal's recent pollers): else nothing on the worker can answer. */
  const workerPolling = () =>
    client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: taskQueue }, taskQueueType: 1 })
      .then((d) => (d.pollers?.length ?? 0) > 0, () => false);
  const filesOf = (tenantId: string, personId: string, erase: boolean) =>
    onWorker((workflowId) => client.workflow.execute(erase ? erasePersonalDataFiles : findPersonalDataFiles, {
      taskQueue, workflowId, args: [{ tenantId, personId }], workflowExecutionTimeout: WORKER_WAIT_MS,
    }), erase ? 'personal-data-erase' : 'personal-data-find', erase ? 'the person was not erased' : 'the outbox could not be searched');

  app.openapi(
    route({
      method: 'get', path: '/v1/persons/{id}/personal-data', tags: ['customers'],
      summary: 'Everything held about a person (GDPR art. 15)',
      description: 'The person, their invoices, history, deliveries (addresses used), documents’ and events’ ids, and every place a piece of their data was found — by their id and by every value they have had.',
      request: { params: ParamsId }, responses: { 200: json(PersonalData) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const data = await personalDataExport(sql, tenantId, id);
      if (!data) throw notFound('The person');
      // The outbox lives with the worker: without one the export says the files were not searched.
      const files = (await workerPolling())
        ? await filesOf(tenantId, id, false).then((r) => r as { files: PersonalDataFile[]; cacheEntries: number }, (e) => {
          if (e instanceof ProblemError && e.status === 503) return null;
          throw e;
        })
        : null;
      const person = data.terms.person;
      return c.json({
        person: { ...personFromRow(person), erasedAt: iso(person.erased_at) },
        invoices: data.invoices.map(invoiceFromRow),
        history: data.history.map((r) => ({ invoiceId: r.invoice_id as string, ...historyFromRow(r) })),
        deliveries: data.deliveries.map((d) => ({
          workflowId: d.workflow_id, invoiceId: d.invoice_id, method: d.method, recipient: d.recipient, customerName: d.customer_name ?? null,
          state: d.state, createdAt: iso(d.created_at)!, deliveredAt: iso(d.delivered_at),
        })),
        documents: data.documents.map((d) => ({ id: d.id, invoiceId: d.invoice_id, kind: d.kind, contentType: d.content_type, createdAt: iso(d.created_at)! })),
        events: data.events.map((e) => ({ id: e.id, type: e.type, createdAt: iso(e.created_at)! })),
        autogiroMandates: data.mandates.map((m) => ({ id: m.id, companyId: m.company_id, payerNumber: m.payer_number, status: m.status })),
        erasures: data.erasures.map((e) => ({ id: e.id, erasedAt: iso(e.erased_at)! })),
        kept: data.retained.map((r) => ({ kind: r.kind, id: r.item_id, until: dateOnly(r.until), deletedAt: iso(r.deleted_at) })),
        places: { stored: data.places, files: files?.files ?? [], sendCache: files?.cacheEntries ?? 0, outboxSearched: files !== null },
      } as never, 200);
    },
  );

  app.openapi(
    route({
      method: 'post', path: '/v1/persons/{id}/erase', tags: ['customers'],
      summary: 'Erase a person (GDPR art. 17), keeping what the Bookkeeping Act requires',
      description: 'Replaces every copy of the person’s name, addresses, e-mail, invoice e-mail and personal identity number with `[raderad]`; keeps the invoices’ issued documents until their retention ends (listed in `kept`). 409 `open_invoices` while an invoice of theirs is unsent, pending, sent or in reminder.',
      request: { params: ParamsId, ...body(EraseRequest) }, responses: { 200: json(Erasure) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      const [person] = await sql`SELECT id FROM persons WHERE id = ${id} AND tenant_id = ${tenantId}`;
      if (!person) throw notFound('The person');
      const refuse = (ids: string[]) => conflict('open_invoices', `The person has ${ids.length} invoice(s) still to be sent or paid (unsent, pending, sent or in reminder): ${ids.join(', ')}. Credit them or wait until they are paid.`);
      const open = await openInvoices(sql, tenantId, id);
      if (open.length) throw refuse(open);
      // The outbox first, while the database still knows the person's values; then the database in
      // one transaction, which checks again (under lock) that nothing of theirs became open meanwhile.
      if (!(await workerPolling())) {
        throw new ProblemError(503, 'worker_unavailable', 'Service unavailable', 'No worker is running to erase the outbox files: the person was not erased. Try again when the worker runs.');
      }
      const files = await filesOf(tenantId, id, true);
      try {
        const done = await erasePerson(sql, { tenantId, personId: id, reason, replacedFiles: files.erased });
        if (!done) throw notFound('The person');
        deps.logger?.info({ personId: id, erasureId: done.erasureId, replacedValues: done.replacedValues, files: files.erased, kept: done.kept.length }, 'person erased');
        return c.json({ erasedAt: done.erasedAt, kept: done.kept }, 200);
      } catch (e) {
        if (e instanceof OpenInvoices) throw refuse(e.invoiceIds);
        throw e;
      }
    },
  );
  return app;
}
