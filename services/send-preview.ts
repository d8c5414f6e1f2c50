// A send or reminder request, tried without sending: for each invoice the refusal the request
// would give, or the method, recipient and choice the workflow's planning step would make now.
// The same functions decide as in the send (services/request-sends.ts) and the planning step
// (services/delivery-facts.ts `resolveDeliveryFor`); this module only reads, and writes nothing.
import type { Sql } from '../db/client.js';
import { METHOD_LABEL, type Method, type SendKind } from '../domain/methods.js';
import { stockholmToday } from '../domain/dates.js';
import { CENTRAL_PRINT_LIMIT, describeRejections, noMethodMessage, requestedMethodRefusal, type Choice } from '../domain/resolve-delivery.js';
import { loadSendContexts } from '../activities/load-send-context.js';
import type { KivraChannel } from '../channels/kivra.js';
import { resolveManyDeliveries, type ManyResolved } from './delivery-facts.js';
import { loadSendCandidates, requestRefusal } from './request-sends.js';

export type PreviewChoice = 'customer' | 'organization' | 'company_default' | 'fallback' | 'requested';

export type PreviewItem =
  | {
      invoiceId: string;
      accepted: true;
      method: Method;
      recipient: string;
      choice: PreviewChoice;
      passedOver: { method: Method; code: string; reason: string }[];
      warnings: { code: string; message: string }[];
    }
  | { invoiceId: string; accepted: false; error: { code: string; message: string } };

export interface Preview {
  summary: {
    total: number;
    accepted: number;
    refused: number;
    byMethod: Partial<Record<Method, number>>;
    letters: number;
    estimatedPostage: number | null;
    warnings: number;
  };
  items: PreviewItem[];
}

/**
 * Letters are what goes by post: central print, and the company's own printer (its letters are
 * posted too, by the facility). Each counts as one letter for the postage estimate, also where
 * own-printer envelopes are combined per customer, so the estimate errs on the high side.
 */
const LETTER_METHODS: ReadonlySet<Method> = new Set<Method>(['central_print', 'own_printer']);

function previewChoice(choice: Choice, customerIsOrganization: boolean): PreviewChoice {
  switch (choice) {
    case 'customer': return customerIsOrganization ? 'organization' : 'customer';
    case 'default': return 'company_default';
    case 'fallback': return 'fallback';
    case 'requested': return 'requested';
  }
}

/** What a clerk should know though the invoice will go: few, in plain words. */
function warningsFor(r: ManyResolved & { resolution: { ok: true } }): { code: string; message: string }[] {
  const { resolution: res, facts } = r;
  const warnings: { code: string; message: string }[] = [];
  if (res.rejected.length > 0) {
    warnings.push({ code: 'not_first_choice', message: `Goes by ${METHOD_LABEL[res.method]}, not the first choice: ${describeRejections(res.rejected)}.` });
  }
  if (res.method === 'central_print' && facts.centralPrintCount > 0) {
    warnings.push({
      code: 'central_print_used',
      message: `Central print has already been used ${facts.centralPrintCount} of its ${CENTRAL_PRINT_LIMIT} times for this invoice; this would be time ${facts.centralPrintCount + 1}.`,
    });
  }
  if (r.kivraUnanswered) {
    warnings.push({ code: 'kivra_not_asked', message: 'Kivra could not be asked just now, so the customer is taken for a Kivra user; the send asks again and uses the next method if not.' });
  }
  return warnings;
}

/** The preview of `POST /v1/invoices/send` (kind invoice) or `send-reminders` (kind reminder) with the same body. */
export async function previewSends(
  deps: { sql: Sql; kivra?: Pick<KivraChannel, 'isUser' | 'usersAmong'> },
  tenantId: string,
  request: { invoiceIds: string[]; kind: SendKind; method?: Method | null },
): Promise<Preview> {
  const { sql } = deps;
  const { kind } = request;
  const method = request.method ?? null;
  const today = stockholmToday();
  const rows = await loadSendCandidates(sql, tenantId, request.invoiceIds, { lock: false });
  const byId = new Map(rows.map((r) => [r.id as string, r]));

  const decided = new Map<string, PreviewItem>();
  const toResolve: string[] = [];
  for (const id of new Set(request.invoiceIds)) {
    const refused = requestRefusal(kind, byId.get(id), today);
    if (refused) decided.set(id, { invoiceId: id, accepted: false, error: refused });
    else toResolve.push(id);
  }

  const contexts = await loadSendContexts(sql, tenantId, toResolve);
  const resolved = await resolveManyDeliveries(sql, tenantId, [...contexts.values()], kind, { kivra: deps.kivra, requestedMethod: method });
  const postage = new Map<string, number | null>(); // company id → postage per letter
  const letterCompanies: string[] = [];
  for (const id of toResolve) {
    const r = resolved.get(id);
    const ctx = contexts.get(id);
    if (!r || !ctx) {
      // Gone between the two reads: what the send would say of it.
      decided.set(id, { invoiceId: id, accepted: false, error: { code: 'not_found', message: 'No invoice with this id.' } });
      continue;
    }
    const res = r.resolution;
    if (!res.ok) {
      // Asked for a method the request refuses; else the request accepts it and the planning step fails it.
      const error = (method && requestedMethodRefusal(res)) || { code: 'no_eligible_method', message: noMethodMessage(res.rejected) };
      decided.set(id, { invoiceId: id, accepted: false, error });
      continue;
    }
    decided.set(id, {
      invoiceId: id,
      accepted: true,
      method: res.method,
      recipient: res.recipient,
      choice: previewChoice(res.choice, r.facts.customerIsOrganization),
      passedOver: res.rejected.map((x) => ({ method: x.method, code: x.code ?? 'not_eligible', reason: x.reason })),
      warnings: warningsFor(r as ManyResolved & { resolution: { ok: true } }),
    });
    if (LETTER_METHODS.has(res.method)) {
      const companyId = ctx.company.id as string;
      letterCompanies.push(companyId);
      postage.set(companyId, ctx.company.postage_per_letter ?? null);
    }
  }

  const byMethod: Partial<Record<Method, number>> = {};
  let accepted = 0;
  let warnings = 0;
  // Counted once per invoice, as the send's run counts them; items answer each id asked, as the send's results do.
  for (const item of decided.values()) {
    if (!item.accepted) continue;
    accepted++;
    byMethod[item.method] = (byMethod[item.method] ?? 0) + 1;
    warnings += item.warnings.length;
  }
  // Null when a company that has letters here has no postage set: no estimate rather than a wrong one.
  const estimatedPostage = letterCompanies.some((c) => postage.get(c) == null)
    ? null
    : letterCompanies.reduce((sum, c) => sum + postage.get(c)!, 0);
  return {
    summary: { total: decided.size, accepted, refused: decided.size - accepted, byMethod, letters: letterCompanies.length, estimatedPostage, warnings },
    items: request.invoiceIds.map((id) => decided.get(id)!),
  };
}
