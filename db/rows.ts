import type { Language } from '../documents/labels.js';
// Database rows → the API's shapes (camelCase, ISO instants). One place, used by the API and the activities.
import type { Method, InvoiceStatus } from '../domain/methods.js';
import type { Address, Party } from '../domain/recipient.js';
import type { LateInterest, ReminderCharges } from '../domain/reminder-charges.js';
import type { InvoiceLine } from '../domain/totals.js';

type Row = Record<string, any>;

const iso = (v: Date | string | null) => (v == null ? null : new Date(v).toISOString());

export function companyFromRow(r: Row) {
  return {
    id: r.id as string,
    name: r.name as string,
    orgNumber: r.org_number as string,
    vatNumber: (r.vat_number ?? null) as string | null,
    address: r.address as Address,
    email: (r.email ?? null) as string | null,
    phone: (r.phone ?? null) as string | null,
    bankgiro: (r.bankgiro ?? null) as string | null,
    autogiroCustomerNumber: (r.autogiro_customer_number ?? null) as string | null,
    peppolId: (r.peppol_id ?? null) as string | null,
    kivraTenantKey: (r.kivra_tenant_key ?? null) as string | null,
    swishNumber: (r.swish_number ?? null) as string | null,
    hasLogo: r.logo_content_type != null,
  };
}

export interface Settings {
  activeMethods: Method[];
  defaultMethod: Method | null;
  fallbackMethod: Method | null;
  reminderDistribution: boolean;
  undoWindowSeconds: number;
  linkInvoiceToOrganization: boolean;
  bounceFallback: boolean;
  reminderFee: number;
  lateInterest: LateInterest;
  combineEnvelopes: boolean;
  canSend: boolean;
  canSendReminders: boolean;
}

export function settingsFromRow(r: Row): Settings {
  const activeMethods = r.active_methods as Method[];
  return {
    activeMethods,
    defaultMethod: r.default_method ?? null,
    fallbackMethod: r.fallback_method ?? null,
    reminderDistribution: r.reminder_distribution,
    undoWindowSeconds: r.undo_window_seconds,
    linkInvoiceToOrganization: r.link_invoice_to_organization,
    bounceFallback: r.bounce_fallback,
    reminderFee: r.reminder_fee,
    lateInterest: {
      mode: r.late_interest_mode,
      referenceRatePercent: r.reference_rate_percent == null ? null : Number(r.reference_rate_percent),
      referenceRateDate: r.reference_rate_date ?? null,
    },
    combineEnvelopes: r.combine_envelopes,
    canSend: activeMethods.length > 0,
    canSendReminders:
      r.reminder_distribution && activeMethods.some((m) => m === 'email' || m === 'central_print' || m === 'own_printer'),
  };
}

export function templateFromRow(r: Row) {
  return {
    id: r.id as string,
    companyId: r.company_id as string,
    name: r.name as string,
    language: r.language as 'sv' | 'en',
    headerText: r.header_text ?? null,
    footerText: r.footer_text ?? null,
    accentColor: r.accent_color ?? null,
  };
}

export function personFromRow(r: Row) {
  return {
    id: r.id as string,
    name: r.name as string,
    email: r.email ?? null,
    invoiceEmail: r.invoice_email ?? null,
    address: (r.address ?? null) as Address | null,
    distributionMethod: (r.distribution_method ?? null) as Method | null,
    organizationId: r.organization_id ?? null,
    personalIdentityNumber: (r.personal_identity_number ?? null) as string | null,
    language: (r.language ?? null) as Language | null,
  };
}

export function referenceFromRow(r: Row) {
  return { id: r.id as string, name: r.name as string, email: r.email ?? null, address: (r.address ?? null) as Address | null };
}

export function organizationFromRow(r: Row, references: Row[]) {
  return {
    id: r.id as string,
    name: r.name as string,
    orgNumber: r.org_number ?? null,
    email: r.email ?? null,
    invoiceEmail: r.invoice_email ?? null,
    address: (r.address ?? null) as Address | null,
    distributionMethod: (r.distribution_method ?? null) as Method | null,
    peppolId: r.peppol_id ?? null,
    language: (r.language ?? null) as Language | null,
    invoiceReferences: references.map(referenceFromRow),
  };
}

export function invoiceFromRow(r: Row) {
  return {
    id: r.id as string,
    companyId: r.company_id as string,
    number: r.number as string,
    status: r.status as InvoiceStatus,
    personId: r.person_id as string,
    organizationId: (r.organization_id ?? null) as string | null,
    invoiceReferenceId: (r.invoice_reference_id ?? null) as string | null,
    issueDate: r.issue_date as string,
    dueDate: r.due_date as string,
    currency: r.currency as string,
    ocr: r.ocr as string,
    email: (r.email ?? null) as string | null,
    lines: r.lines as InvoiceLine[],
    netAmount: r.net_amount as number,
    vatAmount: r.vat_amount as number,
    totalAmount: r.total_amount as number,
    reminderCount: r.reminder_count as number,
    reminderDate: (r.reminder_date ?? null) as string | null,
    centralPrintCount: r.central_print_count as number,
    lastDelivery: (r.last_delivery ?? null) as { method: Method; recipient: string; at: string } | null,
    pendingWorkflowId: (r.pending_workflow_id ?? null) as string | null,
    pendingUndoUntil: iso(r.pending_undo_until ?? null),
    paidAmount: Number(r.paid_amount ?? 0),
    paidAt: (r.paid_at ?? null) as string | null,
    reminderCharges: (r.reminder_charges ?? null) as ReminderCharges | null,
    viewedAt: iso(r.viewed_at ?? null),
  };
}

export function historyFromRow(r: Row) {
  const entry: Record<string, unknown> = { at: iso(r.at), type: r.type, message: r.message };
  if (r.method) entry.method = r.method;
  if (r.recipient) entry.recipient = r.recipient;
  if (r.workflow_id) entry.workflowId = r.workflow_id;
  if (r.error) entry.error = r.error;
  return entry;
}

export function partyFromPerson(r: Row): Party {
  return { kind: 'person', name: r.name, email: r.email, invoiceEmail: r.invoice_email, address: r.address };
}
export function partyFromOrganization(r: Row): Party {
  return { kind: 'organization', name: r.name, email: r.email, invoiceEmail: r.invoice_email, address: r.address };
}
export function partyFromReference(r: Row): Party {
  return { kind: 'invoice_reference', name: r.name, email: r.email, invoiceEmail: null, address: r.address };
}

