import type { Queryable } from '../db/client.js';
import { priorityPostal } from '../domain/recipient.js';
import { resolveDelivery, type DeliveryFacts, type KivraFacts, type Resolution } from '../domain/resolve-delivery.js';
import type { KivraChannel } from '../channels/kivra.js';
import { PermanentDeliveryError } from '../channels/permanent-error.js';
import type { Method, SendKind } from '../domain/methods.js';
import type { SendContext } from '../activities/load-send-context.js';

export type PlanningFacts = DeliveryFacts & { afterBounce: boolean; fallbackOnly: boolean };

type KivraAsker = Pick<KivraChannel, 'isUser'>;

export interface ResolveOptions {
  /** Asked whether the person is a Kivra user, when the send would otherwise go by Kivra; unset: not asked. */
  kivra?: KivraAsker;
  /** The method the send request asked for (SendInput `requestedMethod`): the only candidate. */
  requestedMethod?: Method | null;
  /** The payer's active Autogiro mandate, already read for many invoices at once; undefined: read now. */
  payerNumber?: string | null;
}

/**
 * What delivery resolution looks at for one invoice: read by the send workflow's planning step
 * right before delivery, by the send preview and a request that asks for a method, and by the
 * back office to explain which method a send would use.
 */
export async function deliveryFactsFor(
  sql: Queryable,
  ctx: SendContext,
  kind: SendKind,
  kivra?: KivraAsker,
  o: Omit<ResolveOptions, 'kivra'> = {},
): Promise<{ facts: PlanningFacts; payerNumber: string | null }> {
  const inv = ctx.invoice;
  // Autogiro not active for the company: resolution never looks at a mandate, so none is read.
  const payerNumber =
    o.payerNumber !== undefined ? o.payerNumber
    : !ctx.company.active_methods.includes('autogiro') ? null
    : ((await activePayerNumbers(sql, inv.tenant_id, [ctx])).get(inv.id) ?? null);
  const facts: PlanningFacts = {
    kind,
    activeMethods: ctx.company.active_methods,
    defaultMethod: ctx.company.default_method,
    fallbackMethod: ctx.company.fallback_method,
    customerMethod: ctx.customerMethod,
    customerIsOrganization: ctx.linked,
    invoiceEmail: inv.email,
    postal: priorityPostal(ctx.parties),
    centralPrintCount: inv.central_print_count,
    peppolId: ctx.linked ? ctx.organization.peppol_id : null,
    companyHasOrgAndVatNumber: Boolean(ctx.company.org_number && ctx.company.vat_number),
    autogiroPayerNumber: payerNumber,
    companyHasAutogiroSetup: Boolean(ctx.company.autogiro_customer_number && ctx.company.bankgiro),
    totalAmount: Number(inv.total_amount),
    // A send made because the e-mail bounced (the invoice row says so): the fallback method only.
    afterBounce: inv.pending_after_bounce === true,
    // A send made because an Autogiro withdrawal failed: the fallback method only.
    fallbackOnly: inv.pending_fallback_only === true,
    autogiroFailed: inv.autogiro_failed === true,
    // Read with the invoice (loadSendContext/loadSendContexts): its e-mail on the suppression list.
    emailSuppression: ctx.emailSuppression ?? null,
    // Only when asked for: facts of a send that asked for none stay as they were.
    ...(o.requestedMethod ? { requestedMethod: o.requestedMethod } : {}),
  };
  facts.kivra = await kivraFacts(ctx, facts, kivra);
  return { payerNumber, facts };
}

/**
 * The one decision of how an invoice would go: the send workflow's planning step, the send
 * preview and a send request that asks for a method all come here.
 */
export async function resolveDeliveryFor(
  sql: Queryable,
  ctx: SendContext,
  kind: SendKind,
  o: ResolveOptions = {},
): Promise<{ facts: PlanningFacts; payerNumber: string | null; resolution: Resolution }> {
  const { facts, payerNumber } = await deliveryFactsFor(sql, ctx, kind, o.kivra, o);
  return { facts, payerNumber, resolution: resolveDelivery(facts) };
}

/**
 * The payer numbers of the active Autogiro mandates of many invoices' payers (the organisation
 * when the invoice is linked to it, else the person), in one query; null: no active mandate.
 * Matched by a hash join on (company, kind of payer, payer), not a look-up per invoice: a
 * 10,000-invoice preview spent most of its second scanning the company's mandates once per invoice.
 */
export async function activePayerNumbers(sql: Queryable, tenantId: string, contexts: SendContext[]): Promise<Map<string, string | null>> {
  if (contexts.length === 0) return new Map();
  const rows = await sql`
    WITH u AS (
      SELECT * FROM unnest(${contexts.map((c) => c.invoice.id as string)}::text[],
                           ${contexts.map((c) => c.invoice.company_id as string)}::text[],
                           ${contexts.map((c) => (c.linked ? 'organization' : 'person'))}::text[],
                           ${contexts.map((c) => (c.linked ? (c.invoice.organization_id as string) : (c.invoice.person_id as string)))}::text[])
             AS u(invoice_id, company_id, payer_kind, payer_id)),
    active AS (
      SELECT DISTINCT ON (m.company_id, payer_kind, payer_id) m.company_id, k.payer_kind, k.payer_id, m.payer_number
      FROM autogiro_mandates m,
           LATERAL (SELECT CASE WHEN m.person_id IS NOT NULL THEN 'person' ELSE 'organization' END AS payer_kind,
                           coalesce(m.person_id, m.organization_id) AS payer_id) k
      WHERE m.tenant_id = ${tenantId} AND m.status = 'active' AND m.company_id IN (SELECT company_id FROM u)
      ORDER BY m.company_id, payer_kind, payer_id, m.created_at, m.id)
    SELECT u.invoice_id, a.payer_number
    FROM u LEFT JOIN active a ON a.company_id = u.company_id AND a.payer_kind = u.payer_kind AND a.payer_id = u.payer_id`;
  return new Map(rows.map((r) => [r.invoice_id as string, (r.payer_number ?? null) as string | null]));
}

/** How one invoice of many would go, with whether Kivra could not be asked about its customer just now. */
export interface ManyResolved {
  facts: PlanningFacts;
  payerNumber: string | null;
  resolution: Resolution;
  /** Kivra did not answer now, so the customer was taken for a Kivra user (the send asks again). */
  kivraUnanswered: boolean;
}

/**
 * How many invoices would go, each by `resolveDeliveryFor`: mandates read in one query, and the
 * Kivra questions resolution would ask collected first and asked in one user match per Kivra
 * tenant (or once per person, when the channel cannot match lists), never once per invoice.
 * Kivra not answering now counts as a user, as in the back office's explanation.
 */
export async function resolveManyDeliveries(
  sql: Queryable,
  tenantId: string,
  contexts: SendContext[],
  kind: SendKind,
  o: { kivra?: Pick<KivraChannel, 'isUser' | 'usersAmong'>; requestedMethod?: Method | null } = {},
): Promise<Map<string, ManyResolved>> {
  const payers = await activePayerNumbers(sql, tenantId, contexts);
  const resolve = (ctx: SendContext, kivra: KivraAsker | undefined) =>
    resolveDeliveryFor(sql, ctx, kind, { kivra, requestedMethod: o.requestedMethod, payerNumber: payers.get(ctx.invoice.id as string) ?? null });
  // First without answers, noting the Kivra questions resolution asks (and of which invoices).
  const questions = new Map<string, Set<string>>(); // tenant key → personal identity numbers
  const asking = new Set<SendContext>();
  let current: SendContext;
  const collector: KivraAsker = {
    isUser: async (tenantKey, pin) => {
      if (!questions.has(tenantKey)) questions.set(tenantKey, new Set());
      questions.get(tenantKey)!.add(pin);
      asking.add(current);
      return true;
    },
  };
  const out = new Map<string, ManyResolved>();
  for (const ctx of contexts) {
    current = ctx;
    out.set(ctx.invoice.id as string, { ...(await resolve(ctx, o.kivra && collector)), kivraUnanswered: false });
  }
  if (!o.kivra || questions.size === 0) return out;

  // Then only the invoices that asked, again, with Kivra's answers.
  const answers = await askKivra(o.kivra, questions);
  let unanswered = false;
  const answering: KivraAsker = {
    isUser: async (tenantKey, pin) => {
      const a = answers.get(tenantKey)!;
      if (a instanceof PermanentDeliveryError) throw a;
      if (a === 'unanswered') {
        unanswered = true;
        return true;
      }
      return a.has(pin);
    },
  };
  for (const ctx of asking) {
    unanswered = false;
    out.set(ctx.invoice.id as string, { ...(await resolve(ctx, answering)), kivraUnanswered: unanswered });
  }
  return out;
}

/** Kivra's users among the people asked about, per tenant key; a refusal for good, or `unanswered` when Kivra is unavailable. */
async function askKivra(
  kivra: Pick<KivraChannel, 'isUser' | 'usersAmong'>,
  questions: Map<string, Set<string>>,
): Promise<Map<string, Set<string> | PermanentDeliveryError | 'unanswered'>> {
  const answers = new Map<string, Set<string> | PermanentDeliveryError | 'unanswered'>();
  for (const [tenantKey, pins] of questions) {
    try {
      if (kivra.usersAmong) answers.set(tenantKey, await kivra.usersAmong(tenantKey, [...pins]));
      else {
        const users = new Set<string>();
        for (const pin of pins) if (await kivra.isUser(tenantKey, pin)) users.add(pin);
        answers.set(tenantKey, users);
      }
    } catch (err) {
      answers.set(tenantKey, err instanceof PermanentDeliveryError ? err : 'unanswered');
    }
  }
  return answers;
}

/** Kivra is asked about the person only when the send would otherwise go by Kivra. */
async function kivraFacts(ctx: SendContext, facts: PlanningFacts, kivra?: KivraAsker): Promise<KivraFacts> {
  const tenantKey: string | null = ctx.company.kivra_tenant_key ?? null;
  const pin: string | null = ctx.linked ? null : (ctx.person.personal_identity_number ?? null);
  const k: KivraFacts = { companyHasTenantKey: Boolean(tenantKey), personalIdentityNumber: pin, isUser: null, companyHasBankgiro: Boolean(ctx.company.bankgiro) };
  const unasked = resolveDelivery({ ...facts, kivra: k });
  if (!kivra || !unasked.ok || unasked.method !== 'kivra') return k;
  try {
    k.isUser = await kivra.isUser(tenantKey!, pin!);
  } catch (err) {
    if (!(err instanceof PermanentDeliveryError)) throw err;
    k.lookupRefused = err.message;
  }
  return k;
}
