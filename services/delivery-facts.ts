import type { Sql } from '../db/client.js';
import { priorityPostal } from '../domain/recipient.js';
import { resolveDelivery, type DeliveryFacts, type KivraFacts } from '../domain/resolve-delivery.js';
import type { KivraChannel } from '../channels/kivra.js';
import { PermanentDeliveryError } from '../channels/permanent-error.js';
import type { SendKind } from '../domain/methods.js';
import type { SendContext } from '../activities/load-send-context.js';

/**
 * What delivery resolution looks at for one invoice: read by the send workflow's planning step
 * right before delivery, and by the back office to explain which method a send would use.
 */
export async function deliveryFactsFor(
  sql: Sql,
  ctx: SendContext,
  kind: SendKind,
  /** Asked whether the person is a Kivra user, when Kivra is among the candidates; unset: not asked. */
  kivra?: Pick<KivraChannel, 'isUser'>,
): Promise<{ facts: DeliveryFacts & { afterBounce: boolean; fallbackOnly: boolean }; payerNumber: string | null }> {
  const inv = ctx.invoice;
  const [mandate] = await sql`
    SELECT payer_number FROM autogiro_mandates
    WHERE tenant_id = ${inv.tenant_id} AND company_id = ${inv.company_id} AND status = 'active'
      AND (person_id = ${ctx.linked ? null : inv.person_id} OR organization_id = ${ctx.linked ? inv.organization_id : null})
    LIMIT 1`;
  const payerNumber: string | null = mandate?.payer_number ?? null;
  const facts: DeliveryFacts & { afterBounce: boolean; fallbackOnly: boolean } = {
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
  };
  facts.kivra = await kivraFacts(ctx, facts, kivra);
  return { payerNumber, facts };
}

/** Kivra is asked about the person only when the send would otherwise go by Kivra. */
async function kivraFacts(ctx: SendContext, facts: DeliveryFacts & { afterBounce: boolean; fallbackOnly: boolean }, kivra?: Pick<KivraChannel, 'isUser'>): Promise<KivraFacts> {
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
