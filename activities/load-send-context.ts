import type { Queryable } from '../db/client.js';
import { idList } from '../db/id-list.js';
import { partyFromOrganization, partyFromPerson, partyFromReference } from '../db/rows.js';
import type { Method } from '../domain/methods.js';
import { recipientParties, type Party } from '../domain/recipient.js';
import type { EmailSuppression } from '../domain/resolve-delivery.js';

/** The invoice with its company and parties, each joined within the invoice's tenant. */
const invoiceWithParties = (sql: Queryable) => sql`
  FROM invoices i
  JOIN companies c ON c.id = i.company_id AND c.tenant_id = i.tenant_id
  JOIN persons p ON p.id = i.person_id AND p.tenant_id = i.tenant_id
  LEFT JOIN organizations o ON o.id = i.organization_id AND o.tenant_id = i.tenant_id
  LEFT JOIN invoice_references r ON r.id = i.invoice_reference_id AND r.tenant_id = i.tenant_id
  LEFT JOIN email_suppressions s ON s.company_id = i.company_id AND s.tenant_id = i.tenant_id AND s.email = lower(btrim(i.email))`;

/** The suppression-list entry of the invoice e-mail, if listed: read with the invoice, for one or many. */
const suppressionColumn = (sql: Queryable) => sql`
  CASE WHEN s.email IS NULL THEN NULL ELSE jsonb_build_object('reason', s.reason, 'at', s.created_at) END AS email_suppression`;

/** Everything a send needs about one invoice, read in one round trip, always scoped to the tenant. */
export async function loadSendContext(sql: Queryable, tenantId: string, invoiceId: string) {
  const [row] = await sql`
    SELECT to_jsonb(i.*) AS invoice, to_jsonb(c.*) - 'logo' AS company,
           encode(c.logo, 'base64') AS logo_base64,
           to_jsonb(p.*) AS person, to_jsonb(o.*) AS organization, to_jsonb(r.*) AS reference,
           ${suppressionColumn(sql)}
    ${invoiceWithParties(sql)}
    WHERE i.id = ${invoiceId} AND i.tenant_id = ${tenantId}`;
  return row ? contextFromRow(row) : null;
}
export type SendContext = NonNullable<Awaited<ReturnType<typeof loadSendContext>>>;

/**
 * The contexts of many invoices in one round trip (a send preview, a request asking for a
 * method), keyed by invoice id; without the company logo, which deciding a delivery never needs.
 */
export async function loadSendContexts(sql: Queryable, tenantId: string, invoiceIds: string[]): Promise<Map<string, SendContext>> {
  if (invoiceIds.length === 0) return new Map();
  const rows = await sql`
    SELECT to_jsonb(i.*) AS invoice, to_jsonb(c.*) - 'logo' AS company, NULL AS logo_base64,
           to_jsonb(p.*) AS person, to_jsonb(o.*) AS organization, to_jsonb(r.*) AS reference,
           ${suppressionColumn(sql)}
    ${invoiceWithParties(sql)}
    JOIN ${idList(sql, invoiceIds)} want ON want.id = i.id
    WHERE i.tenant_id = ${tenantId}`;
  return new Map(rows.map((row) => [row.invoice.id as string, contextFromRow(row)]));
}

function contextFromRow(row: Record<string, any>) {
  const company = row.company;
  const linked = Boolean(company.link_invoice_to_organization && row.organization);
  const parties: Party[] = recipientParties({
    linkToOrganization: company.link_invoice_to_organization,
    person: partyFromPerson(row.person),
    organization: row.organization ? partyFromOrganization(row.organization) : null,
    reference: row.reference ? partyFromReference(row.reference) : null,
  });
  const customerMethod = (linked ? row.organization.distribution_method : row.person.distribution_method) as Method | null;
  return {
    invoice: row.invoice,
    company,
    logo: row.logo_base64 ? { contentType: company.logo_content_type as string, data: Buffer.from(row.logo_base64, 'base64') } : null,
    person: row.person,
    organization: row.organization,
    reference: row.reference,
    linked,
    parties,
    customerMethod,
    /** The invoice e-mail is on the company's suppression list: when and why; null when not. */
    emailSuppression: (row.email_suppression
      ? { reason: row.email_suppression.reason, at: new Date(row.email_suppression.at).toISOString() }
      : null) as EmailSuppression | null,
  };
}
