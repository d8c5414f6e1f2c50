import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ulid } from '../platform/ulid.js';
import type { Sql, Queryable } from '../db/client.js';
import { hashApiKey } from '../api/auth.js';
import { computeTotals, type InvoiceLine } from '../domain/totals.js';
import { generateOcr } from '../domain/ocr.js';
import { stockholmToday } from '../domain/dates.js';

const addressIn = (street: string, postalCode = '118 20', city = 'Stockholm') => ({ street, postalCode, city, country: 'SE' });

async function demoInvoice(
  tx: Queryable,
  ids: { tenantId: string; companyId: string; personId: string; organizationId?: string | null; referenceId?: string | null },
  number: string,
  email: string | null,
  lines: InvoiceLine[],
  dates: { issue: string; due: string },
) {
  const t = computeTotals(lines);
  const invoiceId = `inv_${ulid()}`;
  await tx`
    INSERT INTO invoices (id, tenant_id, company_id, number, status, person_id, organization_id, invoice_reference_id,
                          issue_date, due_date, ocr, email, lines, net_amount, vat_amount, total_amount)
    VALUES (${invoiceId}, ${ids.tenantId}, ${ids.companyId}, ${number}, 'unsent', ${ids.personId}, ${ids.organizationId ?? null},
            ${ids.referenceId ?? null}, ${dates.issue}, ${dates.due}, ${generateOcr(number, number)}, ${email},
            ${tx.json(lines as never)}, ${t.netAmount}, ${t.vatAmount}, ${t.totalAmount})`;
  await tx`INSERT INTO invoice_history (tenant_id, invoice_id, type, message)
           VALUES (${ids.tenantId}, ${invoiceId}, 'created', ${`Invoice ${number} registered.`})`;
}

/**
 * A demo tenant for the local run, created once; its API key is kept in the data folder so
 * every start can print it.
 * - a gym on e-mail with own printer as fallback (one customer has no e-mail address);
 * - a swimming hall with every channel active: central print by default, an organisation on
 *   e-invoice (PEPPOL), a member on Autogiro, one on own printer.
 */
export async function ensureDemoData(sql: Sql, dataDir: string): Promise<{ apiKey: string; companyIds: string[]; created: boolean }> {
  const keyFile = path.join(dataDir, 'demo-api-key.txt');
  const existing = await sql`SELECT c.id FROM tenants t JOIN companies c ON c.tenant_id = t.id WHERE t.name = 'Demo' ORDER BY c.id`;
  if (existing.length && existsSync(keyFile)) return { apiKey: (await readFile(keyFile, 'utf8')).trim(), companyIds: existing.map((r) => r.id), created: false };

  const apiKey = `idk_demo_${randomBytes(18).toString('base64url')}`;
  const tenantId = `ten_${ulid()}`;
  const gymId = `cmp_${ulid()}`;
  const hallId = `cmp_${ulid()}`;
  const today = stockholmToday();
  const dates = { issue: today, due: new Date(Date.parse(today) + 30 * 86400_000).toISOString().slice(0, 10) };
  const membership: InvoiceLine[] = [
    { description: 'Månadskort gym, december', quantity: 1, unitAmount: 44900, vatRate: 6 },
    { description: 'Personlig träning', quantity: 2, unitAmount: 40000, vatRate: 25 },
  ];
  await sql.begin(async (tx) => {
    await tx`INSERT INTO tenants (id, name, api_key_hash) VALUES (${tenantId}, 'Demo', ${hashApiKey(apiKey)})`;
    await tx`
      INSERT INTO companies (id, tenant_id, name, org_number, vat_number, address, email, phone, bankgiro,
                             active_methods, default_method, fallback_method, reminder_distribution, undo_window_seconds,
                             swish_number, unopened_letter_after_bank_days)
      VALUES (${gymId}, ${tenantId}, 'Friskvården Demo Gym AB', '556677-8899', 'SE556677889901',
              ${tx.json(addressIn('Idrottsvägen 1', '114 33'))}, 'kundservice@demogym.example', '08-123 456 78', '5050-1055',
              ${['email', 'own_printer']}::text[], 'email', 'own_printer', true, 60, '1234567890', 2)`;
    await tx`INSERT INTO templates (id, tenant_id, company_id, name, language, footer_text)
             VALUES (${'tpl_' + ulid()}, ${tenantId}, ${gymId}, 'Standard (svenska)', 'sv', 'Tack för att du tränar hos oss!')`;
    let n = 1001;
    for (const c of [
      { name: 'Åsa Öberg', email: 'asa.oberg@example.com', street: 'Sveavägen 10' },
      { name: 'Erik Lind', email: 'erik.lind@example.com', street: 'Ringvägen 22', language: 'en' },
      { name: 'Maja Ek', email: null, street: 'Götgatan 5' },
    ]) {
      const personId = `per_${ulid()}`;
      await tx`INSERT INTO persons (id, tenant_id, name, email, address, language)
               VALUES (${personId}, ${tenantId}, ${c.name}, ${c.email}, ${tx.json(addressIn(c.street))}, ${('language' in c ? c.language : null) ?? null})`;
      await demoInvoice(tx, { tenantId, companyId: gymId, personId }, String(n++), c.email, membership, dates);
    }

    await tx`
      INSERT INTO companies (id, tenant_id, name, org_number, vat_number, address, email, bankgiro, autogiro_customer_number,
                             active_methods, default_method, fallback_method, reminder_distribution, undo_window_seconds,
                             link_invoice_to_organization)
      VALUES (${hallId}, ${tenantId}, 'Simhallen Demo AB', '556123-4567', 'SE556123456701',
              ${tx.json(addressIn('Badhusgatan 4', '753 20', 'Uppsala'))}, 'info@simhallen.example', '5050-1055', '471100',
              ${['central_print', 'email', 'e_invoice', 'autogiro', 'own_printer']}::text[], 'central_print', 'email', true, 60, true)`;
    const orgId = `org_${ulid()}`;
    const refId = `ref_${ulid()}`;
    await tx`INSERT INTO organizations (id, tenant_id, name, org_number, email, address, distribution_method, peppol_id)
             VALUES (${orgId}, ${tenantId}, 'Byggbolaget i Uppsala AB', '556732-1707', 'ekonomi@bygg.example',
                     ${tx.json(addressIn('Verkstadsgatan 9', '753 23', 'Uppsala'))}, 'e_invoice', '0007:5567321707')`;
    await tx`INSERT INTO invoice_references (id, tenant_id, organization_id, name, email)
             VALUES (${refId}, ${tenantId}, ${orgId}, 'Karin Personalansvarig', 'karin@bygg.example')`;
    const swim: InvoiceLine[] = [{ description: 'Simkort 10 bad', quantity: 1, unitAmount: 60000, vatRate: 6 }];
    n = 2001;
    for (const c of [
      { name: 'Olle Olsson', method: null, street: 'Kungsgatan 12', org: false },
      { name: 'Stina Berg', method: 'autogiro', street: 'Dragarbrunnsgatan 3', org: false, email: 'stina.berg@example.com' },
      { name: 'Nils Nilsson', method: 'own_printer', street: 'Svartbäcksgatan 20', org: false },
      { name: 'Per Bygg', method: null, street: 'Verkstadsgatan 9', org: true },
    ]) {
      const personId = `per_${ulid()}`;
      const email = 'email' in c ? (c.email as string) : null;
      await tx`INSERT INTO persons (id, tenant_id, name, email, address, distribution_method, organization_id)
               VALUES (${personId}, ${tenantId}, ${c.name}, ${email}, ${tx.json(addressIn(c.street, '753 20', 'Uppsala'))},
                       ${c.method}, ${c.org ? orgId : null})`;
      if (c.method === 'autogiro') {
        await tx`INSERT INTO autogiro_mandates (id, tenant_id, company_id, person_id, payer_number, status)
                 VALUES (${'agm_' + ulid()}, ${tenantId}, ${hallId}, ${personId}, '19850312', 'active')`;
      }
      const ids = { tenantId, companyId: hallId, personId, organizationId: c.org ? orgId : null, referenceId: c.org ? refId : null };
      await demoInvoice(tx, ids, String(n++), c.org ? 'karin@bygg.example' : email, swim, dates);
    }
  });
  await writeFile(keyFile, apiKey + '\n', { mode: 0o600 });
  return { apiKey, companyIds: [gymId, hallId], created: true };
}
