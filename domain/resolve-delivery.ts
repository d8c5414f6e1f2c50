import { METHOD_LABEL, REMINDER_METHODS, type Method, type SendKind } from './methods.js';
import { isDeliverableEmail } from './email-address.js';
import { formatPostal, incompleteAddressReason, type PostalRecipient } from './recipient.js';
import { maskPersonalIdentityNumber } from './personal-identity-number.js';

/** Everything resolution looks at, read in one go by the planning activity. Pure data, no I/O. */
export interface DeliveryFacts {
  kind: SendKind;
  activeMethods: Method[];
  defaultMethod: Method | null;
  fallbackMethod: Method | null;
  customerMethod: Method | null;
  customerIsOrganization: boolean;
  invoiceEmail: string | null;
  postal: PostalRecipient | null;
  centralPrintCount: number;
  peppolId: string | null;
  companyHasOrgAndVatNumber: boolean;
  autogiroPayerNumber: string | null;
  companyHasAutogiroSetup: boolean;
  /** The amount an Autogiro withdrawal would draw, in öre. */
  totalAmount: number;
  /** An Autogiro withdrawal of this invoice failed: it is not drawn by Autogiro again. */
  autogiroFailed?: boolean;
  /** Kivra: absent in plans recorded before Kivra existed. */
  kivra?: KivraFacts;
  /**
   * A method asked for in the send request (`method`): the only candidate, instead of the
   * customer's, the default and the fallback. Absent in plans recorded before it existed.
   */
  requestedMethod?: Method | null;
  /**
   * The invoice e-mail is on the company's suppression list (an e-mail to it bounced for good):
   * when and why. Absent or null: not listed (and absent in plans recorded before the list existed).
   */
  emailSuppression?: EmailSuppression | null;
}

/** Why an address is on a company's suppression list: the bounce that put it there. */
export interface EmailSuppression {
  /** The receiving server's words. */
  reason: string;
  /** ISO instant it was listed. */
  at: string;
}

export interface KivraFacts {
  companyHasTenantKey: boolean;
  personalIdentityNumber: string | null;
  /** Asked of Kivra when the send would otherwise go by Kivra; null when not asked (counts as a user). */
  isUser: boolean | null;
  /** Kivra refused the question for good (its own words). */
  lookupRefused?: string;
  companyHasBankgiro: boolean;
}

/** The Autogiro amount field holds 12 digits of öre. */
export const AUTOGIRO_MAX_ORE = 999_999_999_999;

export type Choice = 'customer' | 'default' | 'fallback' | 'requested';

/** Why a method was passed over, as a short code (metrics label it; the sentence is for people). */
export type RejectionCode =
  | 'not_active' | 'cannot_remind' | 'no_email' | 'invalid_email' | 'incomplete_address' | 'print_limit'
  | 'not_organization' | 'no_peppol_id' | 'company_ids_missing' | 'no_autogiro_setup' | 'no_mandate'
  | 'amount_not_positive' | 'amount_too_large' | 'no_address' | 'autogiro_failed'
  | 'not_person' | 'no_kivra_setup' | 'no_personal_number' | 'not_kivra_user' | 'kivra_refused'
  | 'email_suppressed';

export interface Rejection {
  method: Method;
  choice: Choice;
  reason: string;
  /** Absent in plans recorded before codes existed. */
  code?: RejectionCode;
}

export type Resolution =
  | { ok: true; method: Method; choice: Choice; recipient: string; rejected: Rejection[] }
  | { ok: false; rejected: Rejection[] };

export const CENTRAL_PRINT_LIMIT = 3;

const CHOICE_LABEL: Record<Choice, string> = {
  customer: "the customer's chosen method",
  default: "the company's default method",
  fallback: "the company's fallback method",
  requested: 'the method asked for in the send request',
};

/** A clerk's sentence: the address, when it bounced and why, and how to e-mail it again. */
function suppressedReason(email: string, s: EmailSuppression): string {
  const said = s.reason.trim().replace(/[.\s]+$/, '');
  const because = said ? ` (${said.length > 200 ? `${said.slice(0, 200)}…` : said})` : '';
  return `the invoice e-mail ${email} is on the company's suppression list: an e-mail to it bounced on ${s.at.slice(0, 10)}${because}; remove it from the list to e-mail it again`;
}

/** Returns why `method` cannot carry this delivery, or the recipient it would go to. */
function eligibility(method: Method, f: DeliveryFacts): { reason: string; code: RejectionCode } | { recipient: string } {
  if (!f.activeMethods.includes(method)) return { reason: `${METHOD_LABEL[method]} is not active for the company`, code: 'not_active' };
  if (f.kind === 'reminder' && !REMINDER_METHODS.includes(method)) {
    return { reason: `${METHOD_LABEL[method]} cannot carry payment reminders`, code: 'cannot_remind' };
  }
  switch (method) {
    case 'email':
      if (!f.invoiceEmail) return { reason: 'the invoice has no e-mail address', code: 'no_email' };
      if (!isDeliverableEmail(f.invoiceEmail)) return { reason: `the invoice e-mail "${f.invoiceEmail}" is not a valid address`, code: 'invalid_email' };
      if (f.emailSuppression) return { reason: suppressedReason(f.invoiceEmail, f.emailSuppression), code: 'email_suppressed' };
      return { recipient: f.invoiceEmail };
    case 'central_print': {
      const incomplete = incompleteAddressReason(f.postal);
      if (incomplete) return { reason: incomplete, code: 'incomplete_address' };
      if (f.centralPrintCount >= CENTRAL_PRINT_LIMIT) {
        return { reason: `the invoice has already been sent by central print ${f.centralPrintCount} times (at most ${CENTRAL_PRINT_LIMIT})`, code: 'print_limit' };
      }
      return { recipient: formatPostal(f.postal!) };
    }
    case 'e_invoice':
      if (!f.customerIsOrganization) return { reason: 'e-invoices go only to organisations', code: 'not_organization' };
      if (!f.peppolId) return { reason: 'the organisation has no PEPPOL id', code: 'no_peppol_id' };
      if (!f.companyHasOrgAndVatNumber) return { reason: 'the company lacks an organisation number or VAT number', code: 'company_ids_missing' };
      return { recipient: `PEPPOL ${f.peppolId}` };
    case 'autogiro':
      if (f.autogiroFailed) return { reason: 'an Autogiro withdrawal of this invoice failed, so it is not drawn by Autogiro again', code: 'autogiro_failed' };
      if (!f.companyHasAutogiroSetup) return { reason: 'the company has no Autogiro customer number or bankgiro', code: 'no_autogiro_setup' };
      if (!f.autogiroPayerNumber) return { reason: 'the payer has no active Autogiro mandate with the company', code: 'no_mandate' };
      if (f.totalAmount <= 0) return { reason: 'the invoice total is not a positive amount, and Autogiro can only draw one', code: 'amount_not_positive' };
      if (f.totalAmount > AUTOGIRO_MAX_ORE) return { reason: 'the invoice total is larger than an Autogiro withdrawal can be (12 digits of öre)', code: 'amount_too_large' };
      return { recipient: `Autogiro payer ${f.autogiroPayerNumber}` };
    case 'own_printer':
      if (!f.postal) return { reason: 'the recipient has no postal address', code: 'no_address' };
      return { recipient: formatPostal(f.postal) };
    case 'kivra': {
      if (f.customerIsOrganization) return { reason: 'Kivra is used for private persons only', code: 'not_person' };
      const k = f.kivra;
      if (!k?.companyHasTenantKey || !k.companyHasBankgiro) return { reason: 'the company has no Kivra tenant key or no bankgiro', code: 'no_kivra_setup' };
      if (!k.personalIdentityNumber) return { reason: 'the customer has no personal identity number', code: 'no_personal_number' };
      if (k.lookupRefused) return { reason: `Kivra could not be asked about the customer: ${k.lookupRefused}`, code: 'kivra_refused' };
      if (k.isUser === false) return { reason: 'the customer is not a Kivra user, or has turned off mail from the company', code: 'not_kivra_user' };
      return { recipient: `personal identity number ${maskPersonalIdentityNumber(k.personalIdentityNumber)}` };
    }
  }
}

/**
 * SPEC §6: customer's method → company default → company fallback; the first eligible one wins.
 * A method asked for in the request is the only candidate: a deliberate choice is not silently
 * replaced by another method.
 */
export function resolveDelivery(f: DeliveryFacts & { afterBounce?: boolean; fallbackOnly?: boolean }): Resolution {
  const candidates: { method: Method; choice: Choice }[] = [];
  const seen = new Set<Method>();
  // After a bounced e-mail only the company's fallback method is tried, and never e-mail again.
  // After a failed Autogiro withdrawal, the same: the fallback method only (never Autogiro, above).
  const order: ReadonlyArray<readonly [Method | null, Choice]> = f.afterBounce || f.fallbackOnly
    ? ([[f.afterBounce && f.fallbackMethod === 'email' ? null : f.fallbackMethod, 'fallback']] as const)
    : f.requestedMethod
    ? ([[f.requestedMethod, 'requested']] as const)
    : ([
        [f.customerMethod, 'customer'],
        [f.defaultMethod, 'default'],
        [f.fallbackMethod, 'fallback'],
      ] as const);
  for (const [method, choice] of order) {
    if (method && !seen.has(method)) {
      seen.add(method);
      candidates.push({ method, choice });
    }
  }
  const rejected: Rejection[] = [];
  for (const c of candidates) {
    const e = eligibility(c.method, f);
    if ('recipient' in e) return { ok: true, method: c.method, choice: c.choice, recipient: e.recipient, rejected };
    rejected.push({ ...c, reason: e.reason, code: e.code });
  }
  return { ok: false, rejected };
}

export function describeRejections(rejected: Rejection[]): string {
  return rejected.map((r) => `${METHOD_LABEL[r.method]} (${CHOICE_LABEL[r.choice]}): ${r.reason}`).join('; ');
}

/** Why the method asked for in a send request cannot carry this invoice (code `method_not_eligible`), or null if it can. */
export function requestedMethodRefusal(r: Resolution): { code: 'method_not_eligible'; message: string } | null {
  if (r.ok) return null;
  const [first] = r.rejected;
  if (!first) return { code: 'method_not_eligible', message: 'The method asked for cannot be used for this invoice.' };
  return { code: 'method_not_eligible', message: `The method asked for, ${METHOD_LABEL[first.method]}, cannot be used for this invoice: ${first.reason}.` };
}

export function noMethodMessage(rejected: Rejection[]): string {
  if (rejected.length === 0) return 'No distribution method could be used: neither the customer nor the company has chosen one.';
  return `No distribution method could be used. Tried ${describeRejections(rejected)}.`;
}

/** One sentence a clerk can read: the method chosen and why the ones before it were passed over. */
export function explainResolution(r: Resolution): string {
  if (!r.ok) return noMethodMessage(r.rejected);
  const chosen = `${METHOD_LABEL[r.method]} (${CHOICE_LABEL[r.choice]}) to ${r.recipient}`;
  return r.rejected.length ? `Would go by ${chosen}, because ${describeRejections(r.rejected)}.` : `Would go by ${chosen}.`;
}
