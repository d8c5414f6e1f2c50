// One envelope per customer in a central-print run. Each letter of a send run to the same address
// joins the run's open envelope for it; once every sibling (the same customer's other invoices in
// the run) has joined, gone another way or ended — or a minute has passed — the envelope is
// sealed, and the letter that sealed it submits one print job for all of them: an address page,
// then each letter. The others take that job's id. A lone letter goes as its own job, as before.
// A full envelope (six letters) is left for the next letter to open another.
import { ApplicationFailure } from '@temporalio/activity';
import { ulid } from '../platform/ulid.js';
import type { Sql } from '../db/client.js';
import { PermanentDeliveryError } from '../channels/permanent-error.js';
import type { PrintManifest, PrintProvider } from '../channels/print-provider.js';
import { combineEnvelope, envelopeLetterOf, MAX_LETTERS_PER_ENVELOPE, renderAddressPage } from '../documents/envelope.js';
import { addressLines } from '../documents/invoice-pdf.js';
import type { PostalRecipient } from '../domain/recipient.js';
import { FailureType, type SendRef } from '../domain/send.js';
import type { SendContext } from './load-send-context.js';

/** How long a letter waits for its siblings before its envelope goes without them. */
export const SIBLING_PATIENCE_MS = 60_000;
const POLL_MS = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function sendInEnvelope(
  deps: { sql: Sql; print: PrintProvider },
  ref: SendRef,
  o: { ctx: SendContext; recipient: string; postal: PostalRecipient; manifest: Omit<PrintManifest, 'deliveryId' | 'invoiceNumber' | 'pages' | 'letters'> },
): Promise<{ alone: true } | { jobId: string }> {
  const { sql } = deps;
  // The usual case — the customer has nothing else in this run — costs one indexed look.
  if ((await siblings(sql, ref, o.ctx, { undecidedOnly: false })) === 0) return { alone: true };
  const envelopeId = await join(sql, ref, o.ctx, o.recipient);
  await waitForSiblings(sql, ref, o.ctx, envelopeId);
  const [sealed] = await sql`
    UPDATE print_envelopes SET sealed_at = coalesce(sealed_at, now()), sealed_by = coalesce(sealed_by, ${ref.workflowId})
    WHERE id = ${envelopeId} RETURNING sealed_by`;
  if (sealed.sealed_by !== ref.workflowId) return { jobId: await jobOf(sql, envelopeId) };

  // The letters without their PDFs: those are read only when the envelope's PDF is made.
  const letters = await sql`
    SELECT l.workflow_id, i.number, i.due_date, i.total_amount, i.currency, i.reminder_charges, d.document_id, doc.page_count,
           si.input->>'kind' AS kind
    FROM print_envelope_letters l
    JOIN invoices i ON i.id = l.invoice_id
    JOIN deliveries d ON d.workflow_id = l.workflow_id
    JOIN documents doc ON doc.id = d.document_id
    JOIN send_run_items si ON si.workflow_id = l.workflow_id
    WHERE l.envelope_id = ${envelopeId}
    ORDER BY i.number, l.workflow_id`;
  if (letters.length === 1) return { alone: true };

  const [envelope] = await sql`SELECT content, page_count, job_id FROM print_envelopes WHERE id = ${envelopeId}`;
  if (envelope.job_id) return { jobId: envelope.job_id };
  let pdf: Buffer = envelope.content;
  let pages: number = envelope.page_count;
  if (!pdf) {
    const addressPage = await renderAddressPage({
      company: { name: o.ctx.company.name, address: o.ctx.company.address },
      recipientLines: addressLines(o.postal),
      letters: letters.map((l) => envelopeLetterOf(l as Parameters<typeof envelopeLetterOf>[0])),
    });
    const contents = await sql`SELECT id, content FROM documents WHERE id = ANY(${letters.map((l) => l.document_id)}::text[])`;
    const byId = new Map(contents.map((d) => [d.id as string, d.content as Buffer]));
    ({ pdf, pages } = await combineEnvelope(addressPage, letters.map((l) => byId.get(l.document_id)!)));
    await sql`UPDATE print_envelopes SET content = ${pdf}, page_count = ${pages} WHERE id = ${envelopeId}`;
  }
  try {
    const { jobId } = await deps.print.submit({
      pdf,
      manifest: {
        ...o.manifest,
        deliveryId: envelopeId,
        invoiceNumber: letters.map((l) => l.number).join(', '),
        pages,
        letters: letters.map((l) => ({ deliveryId: l.workflow_id, documentType: l.kind, invoiceNumber: l.number, pages: l.page_count ?? 1 })),
      },
    });
    await sql`UPDATE print_envelopes SET job_id = ${jobId} WHERE id = ${envelopeId}`;
    return { jobId };
  } catch (err) {
    if (err instanceof PermanentDeliveryError) {
      await sql`UPDATE print_envelopes SET failure = ${err.message} WHERE id = ${envelopeId}`;
      throw ApplicationFailure.nonRetryable(err.message, FailureType.DeliveryRejected);
    }
    throw err;
  }
}

/** This letter's envelope: the one it joined before (a retry), else the run's open one for the address. */
async function join(sql: Sql, ref: SendRef, ctx: SendContext, recipient: string): Promise<string> {
  for (;;) {
    const id = await sql.begin(async (tx) => {
      const [mine] = await tx`SELECT envelope_id FROM print_envelope_letters WHERE workflow_id = ${ref.workflowId}`;
      if (mine) return mine.envelope_id as string;
      await tx`
        INSERT INTO print_envelopes (id, tenant_id, company_id, send_request_id, recipient)
        VALUES (${'env_' + ulid()}, ${ref.tenantId}, ${ctx.company.id}, ${ref.requestId}, ${recipient})
        ON CONFLICT (send_request_id, company_id, recipient) WHERE sealed_at IS NULL AND NOT is_full DO NOTHING`;
      const [open] = await tx`
        SELECT id FROM print_envelopes
        WHERE send_request_id = ${ref.requestId} AND company_id = ${ctx.company.id} AND recipient = ${recipient} AND sealed_at IS NULL AND NOT is_full
        FOR UPDATE`;
      if (!open) return null; // sealed or filled in the meantime: open another
      await tx`INSERT INTO print_envelope_letters (workflow_id, envelope_id, invoice_id) VALUES (${ref.workflowId}, ${open.id}, ${ref.invoiceId})`;
      await tx`
        UPDATE print_envelopes SET is_full = (SELECT count(*) FROM print_envelope_letters WHERE envelope_id = ${open.id}) >= ${MAX_LETTERS_PER_ENVELOPE}
        WHERE id = ${open.id}`;
      return open.id as string;
    });
    if (id) return id;
  }
}

/**
 * The same customer's other invoices in this run; with `undecidedOnly`, those still to decide
 * (not yet in an envelope, not gone another way, not ended).
 */
async function siblings(sql: Sql, ref: SendRef, ctx: SendContext, o: { undecidedOnly: boolean }): Promise<number> {
  const inv = ctx.invoice;
  const [row] = await sql`
    SELECT count(*)::int AS n FROM invoices i JOIN send_run_items s ON s.invoice_id = i.id
    WHERE i.company_id = ${inv.company_id} AND i.person_id = ${inv.person_id} AND i.tenant_id = ${ref.tenantId}
      AND i.organization_id IS NOT DISTINCT FROM ${inv.organization_id ?? null}
      AND s.run_id = ${ref.requestId} AND s.workflow_id <> ${ref.workflowId}
      ${o.undecidedOnly ? sql`AND s.outcome = 'pending'
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.workflow_id = s.workflow_id AND d.method <> 'central_print')
        AND NOT EXISTS (SELECT 1 FROM print_envelope_letters x WHERE x.workflow_id = s.workflow_id)` : sql``}`;
  return row.n;
}

/** Until no sibling is still to decide, the envelope is sealed by another, or patience ends. */
async function waitForSiblings(sql: Sql, ref: SendRef, ctx: SendContext, envelopeId: string): Promise<void> {
  for (;;) {
    const [e] = await sql`
      SELECT e.sealed_at IS NOT NULL AS sealed, now() - l.joined_at > ${`${SIBLING_PATIENCE_MS} milliseconds`}::interval AS patience_over
      FROM print_envelopes e JOIN print_envelope_letters l ON l.envelope_id = e.id AND l.workflow_id = ${ref.workflowId}
      WHERE e.id = ${envelopeId}`;
    if (e.sealed || e.patience_over || (await siblings(sql, ref, ctx, { undecidedOnly: true })) === 0) return;
    await sleep(POLL_MS);
  }
}

/** The job another letter's activity submitted for the envelope (or its refusal). */
async function jobOf(sql: Sql, envelopeId: string): Promise<string> {
  for (;;) {
    const [e] = await sql`SELECT job_id, failure FROM print_envelopes WHERE id = ${envelopeId}`;
    if (e.job_id) return e.job_id;
    if (e.failure) throw ApplicationFailure.nonRetryable(e.failure, FailureType.DeliveryRejected);
    await sleep(POLL_MS);
  }
}
