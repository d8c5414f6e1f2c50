/** Who an invoice goes to: SPEC §6 "Recipient". */

export interface Address {
  street: string;
  postalCode: string;
  city: string;
  country: string;
}

export interface Party {
  kind: 'invoice_reference' | 'organization' | 'person';
  name: string;
  email: string | null;
  invoiceEmail: string | null;
  address: Address | null;
}

export interface PostalRecipient {
  name: string;
  /** Set when the invoice goes to a named contact of an organisation. */
  attention: string | null;
  address: Address;
}

/**
 * Parties in priority order: with the company's "link invoice to the person's organisation" on
 * and an organisation on the invoice, its invoice reference, then the organisation, then the
 * person; otherwise the person alone.
 */
export function recipientParties(input: {
  linkToOrganization: boolean;
  person: Party;
  organization: Party | null;
  reference: Party | null;
}): Party[] {
  if (!input.linkToOrganization || !input.organization) return [input.person];
  return [input.reference, input.organization, input.person].filter((p): p is Party => p !== null);
}

/** For each party its invoice e-mail wins over its ordinary e-mail; the first party with either wins. */
export function priorityEmail(parties: Party[]): string | null {
  for (const p of parties) {
    const email = p.invoiceEmail?.trim() || p.email?.trim();
    if (email) return email;
  }
  return null;
}

export function priorityPostal(parties: Party[]): PostalRecipient | null {
  const organization = parties.find((p) => p.kind === 'organization');
  for (const p of parties) {
    if (!p.address) continue;
    if (p.kind === 'invoice_reference' && organization) {
      return { name: organization.name, attention: p.name, address: p.address };
    }
    return { name: p.name, attention: null, address: p.address };
  }
  return null;
}

/** A postal address a print house can deliver: every part present, Swedish postal codes five digits. */
export function incompleteAddressReason(r: PostalRecipient | null): string | null {
  if (!r) return 'the recipient has no postal address';
  const a = r.address;
  const missing = [
    !r.name.trim() && 'name',
    !a.street?.trim() && 'street',
    !a.postalCode?.trim() && 'postal code',
    !a.city?.trim() && 'city',
    !a.country?.trim() && 'country',
  ].filter(Boolean);
  if (missing.length) return `the postal address is incomplete (missing ${missing.join(', ')})`;
  if (a.country.toUpperCase() === 'SE' && !/^\d{3} ?\d{2}$/.test(a.postalCode.trim())) {
    return `the postal code "${a.postalCode}" is not a Swedish five-digit postal code`;
  }
  return null;
}

export function formatPostal(r: PostalRecipient): string {
  const a = r.address;
  const lines = [r.name, r.attention ? `Att: ${r.attention}` : null, a.street, `${a.postalCode} ${a.city}`];
  if (a.country && a.country.toUpperCase() !== 'SE') lines.push(a.country.toUpperCase());
  return lines.filter(Boolean).join(', ');
}
