import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ulid } from 'ulid';
import type { Sql } from '../db/client.js';
import { hashApiKey } from '../api/auth.js';
import { computeTotals } from '../domain/totals.js';
import { generateOcr } from '../domain/ocr.js';
import { stockholmToday } from '../domain/dates.js';

/**
 * A demo tenant for the local run: one gym, customers who want e-mail, one without an e-mail
 * address (falls back to own printer), and unsent invoices. Created once; its API key is kept
 * in the data folder so every start can print it.
 */
export async function ensureDemoData(sql: Sql, dataDir: string): Promise<{ apiKey: string; companyId: string }> {
  const keyFile = path.join(dataDir, 'demo-api-key.txt');
  const [existing] = await sql`SELECT t.id, c.id AS company_id FROM tenants t JOIN companies c ON c.tenant_id = t.id WHERE t.name = 'Demo' LIMIT 1`;
  if (existing && existsSync(keyFile)) return { apiKey: (await readFile(keyFile, 'utf8')).trim(), companyId: existing.company_id };

  const apiKey = `idk_demo_${randomBytes(18).toString('base64url')}`;
  const tenantId = `ten_${ulid()}`;
  const companyId = `cmp_${ulid()}`;
  const today = stockholmToday();
  const due = new Date(Date.parse(today) + 30 * 86400_000).toISOString().slice(0, 10);
  await sql.begin(async (tx) => {
    await tx`INSERT INTO tenants (id, name, api_key_hash) VALUES (${tenantId}, 'Demo', ${hashApiKey(apiKey)})`;
    await tx`
      INSERT INTO companies (id, tenant_id, name, org_number, vat_number, address, email, phone, bankgiro,
                             active_methods, default_method, fallback_method, reminder_distribution, undo_window_seconds)
      VALUES (${companyId}, ${tenantId}, 'Friskvården Demo Gym AB', '556677-8899', 'SE556677889901',
              ${tx.json({ street: 'Idrottsvägen 1', postalCode: '114 33', city: 'Stockholm', country: 'SE' })},
              'kundservice@demogym.example', '08-123 456 78', '5050-1055',
              ${['email', 'own_printer']}::text[], 'email', 'own_printer', true, 60)`;
    await tx`INSERT INTO templates (id, tenant_id, company_id, name, language, footer_text)
             VALUES (${'tpl_' + ulid()}, ${tenantId}, ${companyId}, 'Standard (svenska)', 'sv', 'Tack för att du tränar hos oss!')`;
    const customers = [
      { name: 'Åsa Öberg', email: 'asa.oberg@example.com', street: 'Sveavägen 10' },
      { name: 'Erik Lind', email: 'erik.lind@example.com', street: 'Ringvägen 22' },
      { name: 'Maja Ek', email: null, street: 'Götgatan 5' },
    ];
    let n = 1001;
    for (const c of customers) {
      const personId = `per_${ulid()}`;
      await tx`INSERT INTO persons (id, tenant_id, name, email, address)
               VALUES (${personId}, ${tenantId}, ${c.name}, ${c.email},
                       ${tx.json({ street: c.street, postalCode: '118 20', city: 'Stockholm', country: 'SE' })})`;
      const lines = [
        { description: 'Månadskort gym, december', quantity: 1, unitAmount: 44900, vatRate: 6 },
        { description: 'Personlig träning', quantity: 2, unitAmount: 40000, vatRate: 25 },
      ];
      const t = computeTotals(lines);
      const number = String(n++);
      const invoiceId = `inv_${ulid()}`;
      await tx`
        INSERT INTO invoices (id, tenant_id, company_id, number, status, person_id, issue_date, due_date, ocr, email,
                              lines, net_amount, vat_amount, total_amount)
        VALUES (${invoiceId}, ${tenantId}, ${companyId}, ${number}, 'unsent', ${personId}, ${today}, ${due},
                ${generateOcr(number, number)}, ${c.email}, ${tx.json(lines)}, ${t.netAmount}, ${t.vatAmount}, ${t.totalAmount})`;
      await tx`INSERT INTO invoice_history (tenant_id, invoice_id, type, message)
               VALUES (${tenantId}, ${invoiceId}, 'created', ${`Invoice ${number} registered.`})`;
    }
  });
  await writeFile(keyFile, apiKey + '\n', { mode: 0o600 });
  return { apiKey, companyId };
}
