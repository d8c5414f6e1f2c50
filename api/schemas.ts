import { z } from '@hono/zod-openapi';
import { EVENT_TYPES } from '../domain/event-types.js';
import { METHODS, INVOICE_STATUSES } from '../domain/methods.js';
import { isDeliverableEmail } from '../domain/email-address.js';
import { isValidOcr } from '../domain/ocr.js';
import { computeTotals } from '../domain/totals.js';
import { MAX_LOGO_BYTES } from '../documents/logo-image.js';
import { normalizePersonalIdentityNumber } from '../domain/personal-identity-number.js';
import { MAX_REMINDER_FEE_ORE } from '../domain/reminder-charges.js';

// Request bodies are strict: an unknown field is a 422, not silently ignored.

export const MethodSchema = z.enum(METHODS).openapi('Method');
export const StatusSchema = z.enum(INVOICE_STATUSES).openapi('InvoiceStatus');

const text = (max = 200) => z.string().trim().min(1).max(max).refine((s) => !/[\r\n]/.test(s), 'must be a single line');
export const EmailSchema = z.string().trim().max(254).refine(isDeliverableEmail, 'must be a valid e-mail address');
// PostgreSQL has no year 0, and no invoice is dated outside these years.
export const CalendarDate = z.iso.date().refine((d) => d >= '1900-01-01' && d <= '2999-12-31', 'must be a date between 1900-01-01 and 2999-12-31');
const date = CalendarDate;

export const AddressSchema = z
  .strictObject({
    street: text(200),
    postalCode: text(20),
    city: text(100),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code').default('SE'),
  })
  .openapi('Address');


/** A logo is decoded in full when it arrives (see documents/logo-image.ts). */
export const LogoUpload = z
  .strictObject({
    contentType: z.enum(['image/png', 'image/jpeg']),
    data: z.base64().max(Math.ceil((MAX_LOGO_BYTES * 4) / 3) + 4),
  })
  .openapi('LogoUpload');

export const ParamsId = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });

export const TenantCreate = z.strictObject({ name: text(200) });
export const Tenant = z.object({ id: z.string(), name: z.string(), apiKey: z.string() }).openapi('Tenant');

const orgNumber = z.string().trim().regex(/^\d{6}-?\d{4}$/, 'must be a Swedish organisation number (NNNNNN-NNNN)');
const bankgiro = z.string().trim().regex(/^\d{3,4}-?\d{4}$/, 'must be a bankgiro number (NNN-NNNN or NNNN-NNNN)');
// A Swish number: 123 followed by 7 digits (businesses), spaces and hyphens allowed; kept as digits.
const swishNumber = z.string().trim().transform((v) => v.replace(/[\s-]/g, '')).pipe(z.string().regex(/^123\d{7}$/, 'must be a Swish number (123 and 7 digits)'));
const peppolId = z.string().trim().regex(/^\d{4}:[A-Za-z0-9.\-_]{1,50}$/, 'must be a PEPPOL participant id such as 0007:5567321707');
// Kivra's tenant keys are hexadecimal.
const kivraTenantKey = z.string().trim().regex(/^[0-9a-fA-F]{8,64}$/, 'must be the Kivra tenant key (8 to 64 hexadecimal characters)');
/** Stored as 12 digits; a hyphen before the last four is accepted. */
const personalIdentityNumber = z
  .string()
  .refine((v) => normalizePersonalIdentityNumber(v) !== null, 'must be a Swedish personal identity number of 12 digits (YYYYMMDDNNNN) with a valid check digit')
  .transform((v) => normalizePersonalIdentityNumber(v)!);

export const CompanyCreate = z.strictObject({
  name: text(200),
  orgNumber,
  vatNumber: z.string().trim().regex(/^SE\d{12}$/, 'must be a Swedish VAT number (SE + 12 digits)').optional(),
  address: AddressSchema,
  email: EmailSchema.optional(),
  phone: text(40).optional(),
  bankgiro: bankgiro.optional(),
  logo: LogoUpload.optional(),
  autogiroCustomerNumber: z.string().regex(/^\d{1,6}$/, 'must be up to 6 digits').optional(),
  peppolId: peppolId.optional(),
  kivraTenantKey: kivraTenantKey.optional(),
  swishNumber: swishNumber.optional(),
});
export const CompanyPatch = z.strictObject({ kivraTenantKey: kivraTenantKey.nullable(), swishNumber: swishNumber.nullable() }).partial();

export const Company = z
  .object({
    id: z.string(),
    name: z.string(),
    orgNumber: z.string(),
    vatNumber: z.string().nullable(),
    address: AddressSchema,
    email: z.string().nullable(),
    phone: z.string().nullable(),
    bankgiro: z.string().nullable(),
    autogiroCustomerNumber: z.string().nullable(),
    peppolId: z.string().nullable(),
    kivraTenantKey: z.string().nullable(),
    /** With one, the invoice page offers Swish for the amount with the OCR as message. */
    swishNumber: z.string().nullable(),
    hasLogo: z.boolean(),
  })
  .openapi('Company');

export const LateInterestSchema = z
  .strictObject({
    mode: z.enum(['none', 'reference_plus_8']),
    referenceRatePercent: z.number().min(-5).max(30).multipleOf(0.01).nullish(),
    referenceRateDate: CalendarDate.nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.mode !== 'reference_plus_8') return;
    if (v.referenceRatePercent == null) ctx.addIssue({ code: 'custom', path: ['referenceRatePercent'], message: "is required when mode is 'reference_plus_8' (the Riksbank's reference rate, in percent)" });
    if (v.referenceRateDate == null) ctx.addIssue({ code: 'custom', path: ['referenceRateDate'], message: "is required when mode is 'reference_plus_8' (the date the reference rate applies from)" });
  })
  .openapi('LateInterest');

export const SettingsUpdate = z.strictObject({
  activeMethods: z.array(MethodSchema).max(6),
  defaultMethod: MethodSchema.nullable(),
  fallbackMethod: MethodSchema.nullable(),
  reminderDistribution: z.boolean(),
  undoWindowSeconds: z.number().int().min(0).max(86400).default(300),
  linkInvoiceToOrganization: z.boolean(),
  bounceFallback: z.boolean().optional(),
  reminderFee: z.number().int().min(0).max(MAX_REMINDER_FEE_ORE, 'must be at most 6000 öre (60 kr, the statutory maximum for a reminder)').optional(),
  lateInterest: LateInterestSchema.optional(),
  combineEnvelopes: z.boolean().optional(),
  /** Postage of one letter in öre, for the send preview's estimate; absent: kept as it is, null: none. */
  postagePerLetter: z.number().int().min(0).max(100_000, 'must be at most 100000 öre (1,000 kr) a letter').nullable().optional(),
  /** An e-mailed invoice not viewed, paid nor credited this many bank days after sending goes out as a letter; absent: kept as it is, null: never. */
  unopenedLetterAfterBankDays: z.number().int().min(1).max(30).nullable().optional(),
});
export const Settings = z
  .object({
    activeMethods: z.array(MethodSchema),
    defaultMethod: MethodSchema.nullable(),
    fallbackMethod: MethodSchema.nullable(),
    reminderDistribution: z.boolean(),
    undoWindowSeconds: z.number().int(),
    linkInvoiceToOrganization: z.boolean(),
    bounceFallback: z.boolean(),
    reminderFee: z.number().int(),
    lateInterest: LateInterestSchema,
    combineEnvelopes: z.boolean(),
    postagePerLetter: z.number().int().nullable(),
    unopenedLetterAfterBankDays: z.number().int().nullable(),
    canSend: z.boolean(),
    canSendReminders: z.boolean(),
  })
  .openapi('Settings');

export const TemplateCreate = z.strictObject({
  name: text(100),
  language: z.enum(['sv', 'en']),
  headerText: z.string().max(2000).optional(),
  footerText: z.string().max(2000).optional(),
  accentColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #1f3a5f').optional(),
});
export const Template = z
  .object({
    id: z.string(),
    companyId: z.string(),
    name: z.string(),
    language: z.enum(['sv', 'en']),
    headerText: z.string().nullable(),
    footerText: z.string().nullable(),
    accentColor: z.string().nullable(),
  })
  .openapi('Template');

const LanguageSchema = z.enum(['sv', 'en']);

export const PersonCreate = z.strictObject({
  name: text(200),
  email: EmailSchema.nullish(),
  invoiceEmail: EmailSchema.nullish(),
  address: AddressSchema.nullish(),
  distributionMethod: MethodSchema.nullish(),
  organizationId: z.string().max(100).nullish(),
  personalIdentityNumber: personalIdentityNumber.nullish(),
  language: LanguageSchema.nullish(),
});
export const PersonPatch = PersonCreate.partial();
export const Person = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    invoiceEmail: z.string().nullable(),
    address: AddressSchema.nullable(),
    distributionMethod: MethodSchema.nullable(),
    organizationId: z.string().nullable(),
    personalIdentityNumber: z.string().nullable(),
    /** The PDF, e-mail and invoice page are in this language; null: the template's, else Swedish. */
    language: LanguageSchema.nullable(),
  })
  .openapi('Person');

export const ReferenceCreate = z.strictObject({ name: text(200), email: EmailSchema.nullish(), address: AddressSchema.nullish() });
export const Reference = z
  .object({ id: z.string(), name: z.string(), email: z.string().nullable(), address: AddressSchema.nullable() })
  .openapi('InvoiceReference');

export const OrganizationCreate = z.strictObject({
  name: text(200),
  orgNumber: orgNumber.nullish(),
  email: EmailSchema.nullish(),
  invoiceEmail: EmailSchema.nullish(),
  address: AddressSchema.nullish(),
  distributionMethod: MethodSchema.nullish(),
  peppolId: peppolId.nullish(),
  language: LanguageSchema.nullish(),
});
export const OrganizationPatch = OrganizationCreate.partial();
export const Organization = z
  .object({
    id: z.string(),
    name: z.string(),
    orgNumber: z.string().nullable(),
    email: z.string().nullable(),
    invoiceEmail: z.string().nullable(),
    address: AddressSchema.nullable(),
    distributionMethod: MethodSchema.nullable(),
    peppolId: z.string().nullable(),
    /** The PDF, e-mail and invoice page are in this language; null: the template's, else Swedish. */
    language: LanguageSchema.nullable(),
    invoiceReferences: z.array(Reference),
  })
  .openapi('Organization');

export const Line = z
  .strictObject({
    description: text(500),
    quantity: z.number().positive().max(1_000_000),
    unitAmount: z.number().int().min(-1_000_000_000).max(1_000_000_000),
    vatRate: z.union([z.literal(25), z.literal(12), z.literal(6), z.literal(0)]),
  })
  .openapi('InvoiceLine');

/** Far above any invoice, and below 2^53 so every sum of öre stays an exact integer. */
export const MAX_TOTAL_ORE = 2 ** 52;

export const InvoiceCreate = z
  .strictObject({
    companyId: z.string().min(1).max(100),
    number: z.string().trim().regex(/^[A-Za-z0-9\-_/]{1,40}$/, 'must be 1-40 letters, digits, - _ or /'),
    personId: z.string().min(1).max(100),
    organizationId: z.string().max(100).nullish(),
    invoiceReferenceId: z.string().max(100).nullish(),
    issueDate: date,
    dueDate: date,
    currency: z.literal('SEK').default('SEK'),
    ocr: z.string().refine(isValidOcr, 'must be 2-25 digits ending in a valid check digit').optional(),
    lines: z.array(Line).min(1).max(500),
  })
  .refine((v) => v.dueDate >= v.issueDate, { path: ['dueDate'], message: 'must not be before issueDate' })
  // Amounts are exact integers in öre everywhere (JSON, JavaScript, bigint columns) only below 2^53.
  .superRefine((v, ctx) => {
    const t = computeTotals(v.lines);
    if (![t.netAmount, t.vatAmount, t.totalAmount].every((a) => Math.abs(a) <= MAX_TOTAL_ORE)) {
      ctx.addIssue({ code: 'custom', path: ['lines'], message: `the invoice total must stay within ±${MAX_TOTAL_ORE} öre` });
    }
  });

export const InvoicePatch = z.strictObject({ email: z.union([z.literal(''), EmailSchema]) });

export const Invoice = z
  .object({
    id: z.string(),
    companyId: z.string(),
    number: z.string(),
    status: StatusSchema,
    personId: z.string(),
    organizationId: z.string().nullable(),
    invoiceReferenceId: z.string().nullable(),
    issueDate: z.string(),
    dueDate: z.string(),
    currency: z.string(),
    ocr: z.string(),
    email: z.string().nullable(),
    lines: z.array(z.object({ description: z.string(), quantity: z.number(), unitAmount: z.number().int(), vatRate: z.number() })),
    netAmount: z.number().int(),
    vatAmount: z.number().int(),
    totalAmount: z.number().int(),
    reminderCount: z.number().int(),
    reminderDate: z.string().nullable(),
    centralPrintCount: z.number().int(),
    lastDelivery: z.object({ method: MethodSchema, recipient: z.string(), at: z.string() }).nullable(),
    pendingWorkflowId: z.string().nullable(),
    /** While pending: until when a credit undoes the send (the undo window's end). */
    pendingUndoUntil: z.string().nullable(),
    /** Öre paid so far by matched payments. */
    paidAmount: z.number().int(),
    paidAt: z.string().nullable(),
    /** What the latest reminder charged (öre): the unpaid amount, fee, interest with its days and rate, the new total and its due date. */
    reminderCharges: z
      .object({
        principal: z.number().int(), fee: z.number().int(), interest: z.number().int(), interestDays: z.number().int(),
        interestRatePercent: z.number(), referenceRateDate: z.string().nullable(), total: z.number().int(), dueDate: z.string(),
      })
      .nullable()
      .openapi('ReminderCharges'),
    /** When the customer first opened the invoice's page or its PDF from an e-mail; null until then. */
    viewedAt: z.string().nullable(),
  })
  .openapi('Invoice');

export const InvoiceList = z.object({ items: z.array(Invoice), nextCursor: z.string().nullable() });
export const InvoiceListQuery = z.object({
  companyId: z.string().max(100).optional(),
  status: StatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const HistoryEntry = z
  .object({
    at: z.string(),
    type: z.string(),
    message: z.string(),
    method: MethodSchema.optional(),
    recipient: z.string().optional(),
    workflowId: z.string().optional(),
    error: z.string().optional(),
  })
  .openapi('HistoryEntry');

export const DocumentInfo = z
  .object({ id: z.string(), kind: z.enum(['invoice_pdf', 'reminder_pdf', 'ubl']), createdAt: z.string(), contentType: z.string() })
  .openapi('Document');

export const SendRequest = z.strictObject({
  invoiceIds: z.array(z.string().min(1).max(100)).min(1).max(10_000),
  templateId: z.string().max(100).nullish(),
  /** Send by this method for this request instead of the customer's choice. */
  method: MethodSchema.nullish().openapi({ description: "Send by this method for this request instead of the customer's choice; it must be active for the company and eligible for the invoice, else the invoice is refused with `method_not_eligible`" }),
});
export const SendResult = z
  .union([
    z.object({ invoiceId: z.string(), accepted: z.literal(true), workflowId: z.string() }),
    z.object({ invoiceId: z.string(), accepted: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
  ])
  .openapi('SendResult');

export const SendResponse = z.object({ runId: z.string(), results: z.array(SendResult) });

const Warning = z.object({ code: z.string(), message: z.string() });
export const PreviewItem = z
  .union([
    z.object({
      invoiceId: z.string(),
      accepted: z.literal(true),
      method: MethodSchema,
      recipient: z.string(),
      choice: z.enum(['customer', 'organization', 'company_default', 'fallback', 'requested']),
      passedOver: z.array(z.object({ method: MethodSchema, code: z.string(), reason: z.string() })),
      warnings: z.array(Warning),
    }),
    z.object({ invoiceId: z.string(), accepted: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
  ])
  .openapi('PreviewItem');
export const Preview = z
  .object({
    summary: z.object({
      total: z.number().int(),
      accepted: z.number().int(),
      refused: z.number().int(),
      byMethod: z.record(z.string(), z.number().int()),
      letters: z.number().int(),
      estimatedPostage: z.number().int().nullable().openapi({ description: 'letters × the companies\' postagePerLetter, in öre; null when a company with letters has none set' }),
      warnings: z.number().int(),
    }),
    items: z.array(PreviewItem),
  })
  .openapi('Preview');

export const SendRun = z
  .object({
    id: z.string(),
    kind: z.enum(['invoice', 'reminder']),
    createdAt: z.string(),
    total: z.number().int(),
    accepted: z.number().int(),
    refused: z.number().int(),
    pending: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int(),
    undone: z.number().int(),
    completedAt: z.string().nullable(),
  })
  .openapi('SendRun');
export const SendRunList = z.object({ items: z.array(SendRun), nextCursor: z.string().nullable() });
export const SendRunListQuery = z.object({
  companyId: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const Event = z
  .object({
    id: z.string(),
    type: z.string(),
    createdAt: z.string(),
    companyId: z.string().nullable(),
    invoiceId: z.string().nullable(),
    runId: z.string().nullable(),
    data: z.object({ invoice: Invoice.optional(), history: HistoryEntry.optional(), run: SendRun.optional() }),
  })
  .openapi('Event');
export const EventList = z.object({ items: z.array(Event), nextCursor: z.string().nullable() });
export const EventListQuery = z.object({
  after: z.string().max(100).optional(),
  type: z.string().max(1000).optional().openapi({ description: 'Event types, comma-separated' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const WebhookUrl = z
  .string()
  .max(2000)
  // abort: the checks after it parse the URL, which throws on what is not one.
  .url({ abort: true })
  .refine((u) => ['http:', 'https:'].includes(new URL(u).protocol), 'must be an http or https URL')
  .refine((u) => !new URL(u).username && !new URL(u).password, 'must not contain credentials');
const WebhookEventTypes = z.array(z.enum(['*', ...EVENT_TYPES])).min(1).max(EVENT_TYPES.length + 1);
export const WebhookEndpointCreate = z.strictObject({ url: WebhookUrl, events: WebhookEventTypes, description: z.string().max(500).nullish() });
export const WebhookEndpointPatch = z.strictObject({
  url: WebhookUrl.optional(),
  events: WebhookEventTypes.optional(),
  description: z.string().max(500).nullish(),
  enabled: z.boolean().optional(),
});
export const WebhookEndpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    enabled: z.boolean(),
    createdAt: z.string(),
    secret: z.string().optional().openapi({ description: 'whsec_…; in the answer to create only' }),
  })
  .openapi('WebhookEndpoint');
export const WebhookDelivery = z
  .object({
    eventId: z.string(),
    eventType: z.string(),
    attempt: z.number().int(),
    at: z.string(),
    responseStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    succeeded: z.boolean(),
  })
  .openapi('WebhookDelivery');

export const CreditRequest = z.strictObject({ reason: z.string().max(500).optional() });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const Choice = z.enum(['customer', 'default', 'fallback', 'requested']);
export const DeliveryPlanQuery = z.object({ kind: z.enum(['invoice', 'reminder']).default('invoice') });
export const DeliveryPlan = z
  .object({
    kind: z.enum(['invoice', 'reminder']),
    ok: z.boolean(),
    method: MethodSchema.nullable(),
    choice: Choice.nullable(),
    recipient: z.string().nullable(),
    rejected: z.array(z.object({ method: MethodSchema, choice: Choice, reason: z.string() })),
    explanation: z.string(),
  })
  .openapi('DeliveryPlan');

export const PaymentFile = z
  .object({
    id: z.string(),
    companyId: z.string(),
    kind: z.enum(['bgmax', 'autogiro_payments', 'autogiro_rejected', 'autogiro_mandates']),
    receivedAt: z.string(),
    status: z.enum(['processing', 'done']),
    records: z.number().int(),
    matched: z.number().int(),
    unmatched: z.number().int(),
    paid: z.number().int(),
    partiallyPaid: z.number().int(),
    failed: z.number().int(),
  })
  .openapi('PaymentFile');

export const UnmatchedPayment = z
  .object({ id: z.string(), fileId: z.string(), amount: z.number().int(), reference: z.string(), payerName: z.string().nullable(), paymentDate: z.string(), reason: z.string() })
  .openapi('UnmatchedPayment');
