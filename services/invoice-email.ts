import type { Queryable } from '../db/client.js';
import { partyFromOrganization, partyFromPerson, partyFromReference } from '../db/rows.js';
import { priorityEmail, recipientParties } from '../domain/recipient.js';

/** The invoice e-mail field's automatic value: reference → organisation → person (SPEC §6). */
export async function automaticInvoiceEmail(
  sql: Queryable,
  tenantId: string,
  ids: { companyId: string; personId: string; organizationId: string | null; invoiceReferenceId: string | null },
): Promise<string | null> {
  const [row] = await sql`
    SELECT c.link_invoice_to_organization AS link, to_jsonb(p.*) AS person, to_jsonb(o.*) AS organization, to_jsonb(r.*) AS reference
    FROM companies c
    JOIN persons p ON p.id = ${ids.personId} AND p.tenant_id = ${tenantId}
    LEFT JOIN organizations o ON o.id = ${ids.organizationId} AND o.tenant_id = ${tenantId}
    LEFT JOIN invoice_references r ON r.id = ${ids.invoiceReferenceId} AND r.tenant_id = ${tenantId}
    WHERE c.id = ${ids.companyId} AND c.tenant_id = ${tenantId}`;
  if (!row) return null;
  return priorityEmail(
    recipientParties({
      linkToOrganization: row.link,
      person: partyFromPerson(row.person),
      organization: row.organization ? partyFromOrganization(row.organization) : null,
      reference: row.reference ? partyFromReference(row.reference) : null,
    }),
  );
}
