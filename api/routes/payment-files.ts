import { z } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { newRouter, route, json, type AppDeps } from '../context.js';
import { ParamsId, PaymentFile, UnmatchedPayment } from '../schemas.js';
import { notFound, ProblemError } from '../problem.js';
import { PaymentFileError } from '../../payments/fixed-width.js';
import { storePaymentFile } from '../../services/store-payment-file.js';
import { applyPaymentFile, paymentFileWorkflowId } from '../../workflows/apply-payment-file.js';
import { paymentsTaskQueue } from '../../services/payments-task-queue.js';
import type { Sql } from '../../db/client.js';

async function paymentFile(sql: Sql, tenantId: string, id: string) {
  const [f] = await sql`
    SELECT f.id, f.company_id, f.kind, f.received_at, f.status, f.records, r.matched, r.paid, r.partially_paid, r.failed,
      (SELECT count(*) FROM unmatched_payments u WHERE u.file_id = f.id)::int AS unmatched
    FROM payment_files f,
      LATERAL (SELECT count(*) FILTER (WHERE invoice_id IS NOT NULL)::int AS matched,
                      count(*) FILTER (WHERE outcome = 'paid')::int AS paid,
                      count(*) FILTER (WHERE outcome = 'partially_paid')::int AS partially_paid,
                      count(*) FILTER (WHERE outcome = 'failed')::int AS failed
               FROM payment_records WHERE file_id = f.id) r
    WHERE f.id = ${id} AND f.tenant_id = ${tenantId}`;
  if (!f) return null;
  return {
    id: f.id as string, companyId: f.company_id as string, kind: f.kind, receivedAt: new Date(f.received_at).toISOString(), status: f.status,
    records: f.records, matched: f.matched, unmatched: f.unmatched, paid: f.paid, partiallyPaid: f.partially_paid, failed: f.failed,
  } as z.infer<typeof PaymentFile>;
}

/** Stores a received file once (by its bytes) and makes sure its workflow runs. */
export async function receivePaymentFile(
  deps: Pick<AppDeps, 'sql' | 'temporal'>,
  o: { tenantId: string; companyId: string; bytes: Uint8Array; source: 'api' | 'inbox'; fileName?: string | null },
): Promise<{ file: z.infer<typeof PaymentFile>; duplicate: boolean }> {
  let stored;
  try {
    stored = await storePaymentFile(deps.sql, o);
  } catch (e) {
    if (!(e instanceof PaymentFileError)) throw e;
    throw new ProblemError(422, 'invalid_payment_file', 'Invalid payment file', e.message, [{ path: `(body).line.${e.line}`, message: e.message }]);
  }
  // A file still processing gets its workflow (again): a start lost before is made now, a running one is left alone.
  if (stored.status === 'processing') {
    try {
      await deps.temporal.client.workflow.start(applyPaymentFile, {
        workflowId: paymentFileWorkflowId(stored.fileId),
        taskQueue: paymentsTaskQueue(deps.temporal.taskQueue),
        args: [{ tenantId: o.tenantId, fileId: stored.fileId }],
      });
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    }
  }
  return { file: (await paymentFile(deps.sql, o.tenantId, stored.fileId))!, duplicate: stored.duplicate };
}

export function paymentFileRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();

  app.openapi(
    route({
      method: 'post', path: '/v1/companies/{id}/payment-files', tags: ['payments'],
      summary: "Import a BgMax file or an Autogiro result file from Bankgirot (text/plain, ISO-8859-1 or UTF-8); the same file again answers its first import",
      request: { params: ParamsId, body: { content: { 'text/plain': { schema: z.string() } }, required: true } },
      responses: { 202: json(PaymentFile, 'Accepted; applied by its workflow'), 200: json(PaymentFile, 'This file was imported before; nothing is applied twice') },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const [company] = await sql`SELECT 1 FROM companies WHERE id = ${id} AND tenant_id = ${tenantId}`;
      if (!company) throw notFound('The company');
      // The app's body limit (4 MB) has already refused a larger file.
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const { file, duplicate } = await receivePaymentFile(deps, { tenantId, companyId: id, bytes, source: 'api' });
      return c.json(file, duplicate ? 200 : 202);
    },
  );

  app.openapi(
    route({ method: 'get', path: '/v1/payment-files/{id}', tags: ['payments'], summary: 'A payment file and what it did', request: { params: ParamsId }, responses: { 200: json(PaymentFile) } }),
    async (c) => {
      const file = await paymentFile(sql, c.get('tenantId'), c.req.valid('param').id);
      if (!file) throw notFound('The payment file');
      return c.json(file, 200);
    },
  );

  app.openapi(
    route({
      method: 'get', path: '/v1/companies/{id}/unmatched-payments', tags: ['payments'], summary: 'Payments that could not be put on an invoice, newest first',
      request: { params: ParamsId }, responses: { 200: json(z.object({ items: z.array(UnmatchedPayment) })) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const [company] = await sql`SELECT 1 FROM companies WHERE id = ${id} AND tenant_id = ${tenantId}`;
      if (!company) throw notFound('The company');
      const rows = await sql`SELECT * FROM unmatched_payments WHERE company_id = ${id} AND tenant_id = ${tenantId} ORDER BY created_at DESC, id DESC LIMIT 1000`;
      return c.json({
        items: rows.map((r) => ({ id: r.id, fileId: r.file_id, amount: Number(r.amount), reference: r.reference, payerName: r.payer_name ?? null, paymentDate: r.payment_date, reason: r.reason })),
      }, 200);
    },
  );
  return app;
}
