// Personal data of a person (API.md "Personal data"): what the service holds about them, found by
// their id and by every value they have had, and its erasure — every copy replaced by [raderad]
// in one transaction, the issued documents kept for the Bookkeeping Act (bokföringslagen).
import { ulid } from '../platform/ulid.js';
import type { Queryable, Sql } from '../db/client.js';

export const ERASED = '[raderad]';

/** Statuses in which an invoice is still to be sent or paid: its person cannot be erased. */
export const OPEN_STATUSES = ['unsent', 'pending_send', 'sent', 'reminder'] as const;

export type TermKind = 'name' | 'email' | 'address' | 'personal_identity_number' | 'payer_number';

/**
 * One value the person has had. `unique` values (e-mail addresses, full personal identity
 * numbers) identify the person wherever they occur in the tenant's data; the others (a name, a
 * street, a postal code) only in the rows that belong to the person.
 */
export interface Term {
  kind: TermKind;
  value: string;
  unique: boolean;
}

export interface PersonTerms {
  person: Record<string, any>;
  invoiceIds: string[];
  ocrs: string[];
  workflowIds: string[];
  terms: Term[];
}

/** The retention of an invoice's documents ends seven years after the end of its calendar year. */
export function retentionUntil(issueDate: string | Date): string {
  const year = typeof issueDate === 'string' ? Number(issueDate.slice(0, 4)) : issueDate.getUTCFullYear();
  return `${year + 7}-12-31`;
}

const dateOnly = (d: unknown) => (d instanceof Date ? d.toISOString().slice(0, 10) : String(d).slice(0, 10));

/**
 * The person and every value they have had: their own row now, and the copies the service made
 * of it when their invoices were written and sent (the invoice e-mail, each delivery's recipient
 * and customer name, the Autogiro payer number). Copies made for an invoice to their organization
 * are the organization's, not theirs. Null when the person is not the tenant's.
 */
export async function collectPersonTerms(sql: Queryable, tenantId: string, personId: string): Promise<PersonTerms | null> {
  const [person] = await sql`SELECT * FROM persons WHERE id = ${personId} AND tenant_id = ${tenantId}`;
  if (!person) return null;
  const invoices = await sql`
    SELECT i.id, i.ocr, i.email, (i.organization_id IS NOT NULL AND c.link_invoice_to_organization) AS to_organization
    FROM invoices i JOIN companies c ON c.id = i.company_id AND c.tenant_id = i.tenant_id
    WHERE i.person_id = ${personId} AND i.tenant_id = ${tenantId} ORDER BY i.id`;
  const invoiceIds = invoices.map((i) => i.id as string);
  // An invoice its company addresses to the person's organization carries the organization's values.
  const own = invoices.filter((i) => !i.to_organization).map((i) => i.id as string);
  const deliveries = await sql`
    SELECT d.workflow_id, d.invoice_id, d.method, d.recipient, d.customer_name, d.plan
    FROM deliveries d WHERE d.tenant_id = ${tenantId} AND d.invoice_id = ANY(${invoiceIds}::text[])`;
  const history = await sql`
    SELECT DISTINCT invoice_id, workflow_id, method, recipient FROM invoice_history
    WHERE tenant_id = ${tenantId} AND invoice_id = ANY(${invoiceIds}::text[]) AND workflow_id IS NOT NULL`;
  const mandates = await sql`SELECT payer_number FROM autogiro_mandates WHERE person_id = ${personId} AND tenant_id = ${tenantId}`;

  const terms = new Map<string, Term>();
  const add = (kind: TermKind, value: unknown, unique: boolean) => {
    if (typeof value !== 'string') return;
    const v = value.trim();
    if (v.length < 3 || v === ERASED) return;
    const key = v.toLowerCase();
    const had = terms.get(key);
    if (!had || (unique && !had.unique)) terms.set(key, { kind, value: v, unique: unique || Boolean(had?.unique) });
  };
  add('name', person.name, false);
  add('email', person.email, true);
  add('email', person.invoice_email, true);
  for (const [k, v] of Object.entries((person.address ?? {}) as Record<string, unknown>)) {
    if (k === 'country') continue; // "SE": not theirs alone
    add('address', v, false);
    // A postal code is also written without its space ("113 50" → "11350").
    if (k === 'postalCode' && typeof v === 'string') add('address', v.replace(/\s+/g, ''), false);
  }
  addIdentityNumber(add, person.personal_identity_number);
  for (const i of invoices) if (!i.to_organization) add('email', i.email, true);
  // A letter's recipient as written ("Name, Att: …, Street 1, 113 50 City[, NO]"): the address they had then.
  const addPostal = (recipient: unknown) => {
    if (typeof recipient !== 'string') return;
    add('address', recipient, false);
    for (const part of recipient.split(', ').slice(1)) {
      if (part.startsWith('Att: ') || /^[A-Z]{2}$/.test(part)) continue;
      const postal = /^(\d{3} ?\d{2}) (.+)$/.exec(part);
      if (postal) {
        add('address', postal[1], false);
        add('address', postal[1].replace(' ', ''), false);
        add('address', postal[2], false);
      } else add('address', part, false);
    }
  };
  for (const d of deliveries) {
    if (!own.includes(d.invoice_id)) continue;
    add('name', d.customer_name, false);
    if (d.method === 'central_print' || d.method === 'own_printer') addPostal(d.recipient);
    if (d.method === 'email') add('email', d.recipient, true);
    if (d.method === 'kivra' || d.method === 'autogiro') continue; // masked number / payer number below
    if (d.plan?.customerName) add('name', d.plan.customerName, false);
  }
  for (const hRow of history) {
    if (!own.includes(hRow.invoice_id)) continue;
    if (hRow.method === 'email') add('email', hRow.recipient, true);
    if (hRow.method === 'central_print' || hRow.method === 'own_printer') addPostal(hRow.recipient);
  }
  for (const m of mandates) {
    add('payer_number', m.payer_number, false);
    // As written in an Autogiro file's withdrawal record: zero-filled to 16 digits.
    add('payer_number', String(m.payer_number).padStart(16, '0'), true);
  }
  const workflowIds = [...new Set([...deliveries.map((d) => d.workflow_id as string), ...history.map((x) => x.workflow_id as string)])];
  // Longest first, so a value inside another (a street inside a recipient line) is replaced with it.
  const sorted = [...terms.values()].sort((a, b) => b.value.length - a.value.length);
  return { person, invoiceIds, ocrs: invoices.map((i) => i.ocr as string), workflowIds, terms: sorted };
}

/** A personal identity number in every form the service writes it: 12 and 10 digits, with and without the dash, masked. */
function addIdentityNumber(add: (kind: TermKind, v: unknown, unique: boolean) => void, pin: unknown) {
  if (typeof pin !== 'string' || !/^\d{12}$/.test(pin)) return;
  add('personal_identity_number', pin, true);
  add('personal_identity_number', `${pin.slice(0, 8)}-${pin.slice(8)}`, true);
  add('personal_identity_number', `${pin.slice(2, 8)}-${pin.slice(8)}`, false);
  add('personal_identity_number', pin.slice(2), false);
  add('personal_identity_number', `${pin.slice(0, 8)}-****`, false);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Finds the terms in text: case-insensitive; a number only where no digit adjoins it. */
export function termMatcher(terms: Term[]): RegExp | null {
  if (!terms.length) return null;
  const parts = terms.map((t) => {
    const e = escapeRegExp(t.value);
    return /^\d/.test(t.value) && /\d$/.test(t.value) && !/^0{4}/.test(t.value) ? `(?<!\\d)${e}(?!\\d)` : e;
  });
  return new RegExp(parts.join('|'), 'giu');
}

/** The kinds of the terms found in text (none: an empty list). */
export function kindsFound(text: string, terms: Term[]): TermKind[] {
  const found = new Set<TermKind>();
  const lower = text.toLowerCase();
  for (const t of terms) {
    if (!lower.includes(t.value.toLowerCase())) continue;
    const re = termMatcher([t])!;
    if (re.test(text)) found.add(t.kind);
  }
  return [...found];
}

/** Every found term replaced by [raderad]; `fixedWidth` keeps each match's length (fixed-width records). */
export function redact(text: string, terms: Term[], o: { fixedWidth?: boolean } = {}): string {
  const re = termMatcher(terms);
  if (!re) return text;
  return text.replace(re, (m) => (o.fixedWidth ? (m.length >= ERASED.length ? ERASED.padEnd(m.length, ' ') : '*'.repeat(m.length)) : ERASED));
}

function redactValue(v: unknown, terms: Term[]): unknown {
  if (typeof v === 'string') return redact(v, terms);
  if (Array.isArray(v)) return v.map((x) => redactValue(x, terms));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactValue(x, terms)]));
  return v;
}

interface TableInfo {
  table: string;
  columns: { name: string; jsonb: boolean }[];
  key: string[];
  hasPerson: boolean;
  hasInvoice: boolean;
}

/** The schema's tables that belong to a tenant, with their text and jsonb columns and primary key. */
async function tenantTables(sql: Queryable): Promise<TableInfo[]> {
  const cols = await sql`
    SELECT c.table_name, c.column_name, c.data_type
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = current_schema()
    ORDER BY c.table_name, c.ordinal_position`;
  const keys = await sql`
    SELECT k.table_name, k.column_name
    FROM information_schema.table_constraints tc
    JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name
    WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY'
    ORDER BY k.table_name, k.ordinal_position`;
  const byTable = new Map<string, { name: string; type: string }[]>();
  for (const c of cols) byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), { name: c.column_name, type: c.data_type }]);
  const out: TableInfo[] = [];
  for (const [table, all] of byTable) {
    const names = all.map((c) => c.name);
    if (!names.includes('tenant_id')) continue;
    const columns = all
      .filter((c) => (c.type === 'text' || c.type === 'jsonb' || c.type === 'character varying') && c.name !== 'tenant_id')
      .map((c) => ({ name: c.name, jsonb: c.type === 'jsonb' }));
    const key = keys.filter((k) => k.table_name === table).map((k) => k.column_name as string);
    if (!columns.length || !key.length) continue;
    out.push({ table, columns, key, hasPerson: names.includes('person_id'), hasInvoice: names.includes('invoice_id') });
  }
  return out;
}

/** Which of a table's rows belong to the person: by their id, their invoices, their deliveries. */
function linkedCondition(sql: Queryable, t: TableInfo, p: PersonTerms) {
  if (t.table === 'persons') return sql`id = ${p.person.id}`;
  if (t.hasPerson) return sql`person_id = ${p.person.id}`;
  if (t.hasInvoice) return sql`invoice_id = ANY(${p.invoiceIds}::text[])`;
  if (t.table === 'print_envelopes') return sql`id IN (SELECT envelope_id FROM print_envelope_letters WHERE invoice_id = ANY(${p.invoiceIds}::text[]))`;
  if (t.table === 'idempotency_keys') {
    const ids = [p.person.id, ...p.invoiceIds];
    return sql`EXISTS (SELECT 1 FROM unnest(${ids}::text[]) x WHERE strpos(response::text, x) > 0)`;
  }
  if (t.table === 'unmatched_payments') return sql`reference = ANY(${p.ocrs}::text[])`;
  if (t.table === 'print_batches') return sql`id IN (SELECT print_batch_id FROM deliveries WHERE tenant_id = ${p.person.tenant_id} AND invoice_id = ANY(${p.invoiceIds}::text[]))`;
  return sql`false`;
}

export interface Place {
  table: string;
  column: string;
  /** The row's primary key, its values joined by `/`. */
  key: string;
  found: TermKind[];
  /** The row is another customer's (their own e-mail, say, is the same address): listed, never erased. */
  ofAnotherCustomer?: true;
}

/** Tables whose rows are a customer's own: a row there that is not the person's is another customer's. */
const CUSTOMER_TABLES = new Set(['persons', 'organizations', 'invoice_references', 'companies', 'tenants']);
const ofAnotherCustomer = (t: TableInfo, linked: boolean) => !linked && (CUSTOMER_TABLES.has(t.table) || t.hasPerson || t.hasInvoice);

/** Every stored value (table, column, row) that holds a piece of the person's data. */
async function findPlaces(sql: Queryable, tenantId: string, p: PersonTerms) {
  const uniqueTerms = p.terms.filter((t) => t.unique).map((t) => t.value.toLowerCase());
  const hits: { t: TableInfo; row: Record<string, any>; linked: boolean; places: Place[] }[] = [];
  for (const t of await tenantTables(sql)) {
    const names = t.columns.map((c) => c.name);
    const linked = linkedCondition(sql, t, p);
    const rows = await sql`
      SELECT ${sql([...new Set([...t.key, ...names])])}, (${linked}) AS __linked
      FROM ${sql(t.table)}
      WHERE tenant_id = ${tenantId}
        AND ((${linked}) OR EXISTS (
          SELECT 1 FROM unnest(${uniqueTerms}::text[]) u WHERE strpos(lower(concat_ws(' ', ${sql(names)})), u) > 0))`;
    for (const row of rows) {
      const terms = row.__linked ? p.terms : p.terms.filter((x) => x.unique);
      const places: Place[] = [];
      for (const c of t.columns) {
        const v = row[c.name];
        if (v === null || v === undefined) continue;
        const found = kindsFound(c.jsonb ? jsonText(v) : String(v), terms);
        if (found.length) {
          places.push({
            table: t.table, column: c.name, key: t.key.map((k) => String(row[k])).join('/'), found,
            ...(ofAnotherCustomer(t, Boolean(row.__linked)) ? { ofAnotherCustomer: true as const } : {}),
          });
        }
      }
      if (places.length) hits.push({ t, row, linked: Boolean(row.__linked), places });
    }
  }
  return hits;
}

/**
 * The company's bank files (BgMax names the payer, with their address) that hold a piece of the
 * person's data: any of their values in a file that paid one of their invoices, a unique value
 * (an e-mail, a personal identity number) in any other. Read as the bank wrote them (Latin-1).
 */
async function findPaymentFiles(sql: Queryable, tenantId: string, p: PersonTerms) {
  const uniqueTerms = p.terms.filter((t) => t.unique).map((t) => t.value.toLowerCase());
  const names = p.terms.map((t) => t.value.toLowerCase());
  const rows = await sql`
    SELECT f.id, f.received_at, convert_from(f.content, 'LATIN1') AS text,
           EXISTS (SELECT 1 FROM payment_records r WHERE r.file_id = f.id AND r.tenant_id = f.tenant_id AND r.invoice_id = ANY(${p.invoiceIds}::text[])) AS linked
    FROM payment_files f
    WHERE f.tenant_id = ${tenantId}
      AND EXISTS (SELECT 1 FROM unnest(${names}::text[]) u WHERE strpos(lower(convert_from(f.content, 'LATIN1')), u) > 0)`;
  const out: { id: string; receivedAt: Date; place: Place }[] = [];
  for (const r of rows) {
    const found = kindsFound(r.text, r.linked ? p.terms : p.terms.filter((t) => uniqueTerms.includes(t.value.toLowerCase())));
    if (found.length) out.push({ id: r.id, receivedAt: new Date(r.received_at), place: { table: 'payment_files', column: 'content', key: r.id, found } });
  }
  return out;
}

/** The strings inside a JSON value, joined: what a reader of it would see. */
function jsonText(v: unknown): string {
  const out: string[] = [];
  const walk = (x: unknown) => {
    if (typeof x === 'string') out.push(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') Object.values(x).forEach(walk);
  };
  walk(v);
  return out.join('\n');
}

/** GET /v1/persons/{id}/personal-data, the database's part: null when the person is not the tenant's. */
export async function personalDataExport(sql: Sql, tenantId: string, personId: string) {
  const p = await collectPersonTerms(sql, tenantId, personId);
  if (!p) return null;
  const ids = p.invoiceIds;
  const [invoices, history, deliveries, documents, events, mandates, erasures, retained] = await Promise.all([
    sql`SELECT * FROM invoices WHERE tenant_id = ${tenantId} AND person_id = ${personId} ORDER BY id`,
    sql`SELECT invoice_id, at, type, message, method, recipient, workflow_id, error FROM invoice_history
        WHERE tenant_id = ${tenantId} AND invoice_id = ANY(${ids}::text[]) ORDER BY invoice_id, id`,
    sql`SELECT workflow_id, invoice_id, method, recipient, customer_name, state, created_at, delivered_at FROM deliveries
        WHERE tenant_id = ${tenantId} AND invoice_id = ANY(${ids}::text[]) ORDER BY created_at, workflow_id`,
    sql`SELECT id, invoice_id, kind, content_type, created_at FROM documents
        WHERE tenant_id = ${tenantId} AND invoice_id = ANY(${ids}::text[]) ORDER BY created_at, id`,
    sql`SELECT id, type, created_at FROM events
        WHERE tenant_id = ${tenantId} AND (invoice_id = ANY(${ids}::text[]) OR data->'person'->>'id' = ${personId}) ORDER BY txid, seq`,
    sql`SELECT id, company_id, payer_number, status, created_at FROM autogiro_mandates WHERE tenant_id = ${tenantId} AND person_id = ${personId} ORDER BY id`,
    sql`SELECT id, erased_at FROM person_erasures WHERE tenant_id = ${tenantId} AND person_id = ${personId} ORDER BY erased_at`,
    sql`SELECT kind, item_id, until, deleted_at FROM retained_items r
        WHERE r.tenant_id = ${tenantId} AND r.erasure_id IN (SELECT id FROM person_erasures WHERE tenant_id = ${tenantId} AND person_id = ${personId})
        ORDER BY until, kind, item_id`,
  ]);
  const places = [
    ...(await findPlaces(sql, tenantId, p)).flatMap((h) => h.places),
    // Bytes kept as they came from the bank: listed here, kept by an erasure (bokföringslagen).
    ...(await findPaymentFiles(sql, tenantId, p)).map((f) => f.place),
  ];
  return {
    terms: p,
    invoices,
    history,
    deliveries,
    documents,
    events,
    mandates,
    erasures,
    retained,
    places,
  };
}

export class OpenInvoices extends Error {
  constructor(readonly invoiceIds: string[]) {
    super(`The person has ${invoiceIds.length} invoice(s) still to be sent or paid.`);
  }
}

/** The person's invoices still to be sent or paid (locked until the transaction ends when `lock`). */
export async function openInvoices(sql: Queryable, tenantId: string, personId: string, o: { lock?: boolean } = {}): Promise<string[]> {
  const rows = await sql`
    SELECT id, status FROM invoices WHERE tenant_id = ${tenantId} AND person_id = ${personId} ORDER BY id
    ${o.lock ? sql`FOR UPDATE` : sql``}`;
  return rows.filter((r) => (OPEN_STATUSES as readonly string[]).includes(r.status)).map((r) => r.id as string);
}

export interface Kept {
  kind: string;
  id: string;
  until: string;
}

/**
 * Erases the person in one transaction: every stored copy of their data replaced by [raderad]
 * (their row, their invoices, history messages, deliveries, event payloads, run inputs, envelope
 * recipients, Autogiro records; an address they had on a suppression list and cached API answers
 * about them deleted), merged print copies dropped to be merged again from the kept documents,
 * the issued documents and the invoices' history kept until their retention ends; event
 * `person.erased` with ids only. Throws OpenInvoices (nothing changed) while an invoice is open;
 * null when the person is not the tenant's.
 */
export async function erasePerson(sql: Sql, o: { tenantId: string; personId: string; reason: string; replacedFiles: number }) {
  return sql.begin(async (tx) => {
    const { tenantId, personId } = o;
    const [locked] = await tx`SELECT id FROM persons WHERE id = ${personId} AND tenant_id = ${tenantId} FOR UPDATE`;
    if (!locked) return null;
    const open = await openInvoices(tx, tenantId, personId, { lock: true });
    if (open.length) throw new OpenInvoices(open);
    const p = (await collectPersonTerms(tx, tenantId, personId))!;
    let replaced = 0;
    for (const hit of await findPlaces(tx, tenantId, p)) {
      const { t, row } = hit;
      if (t.table === 'persons' && hit.linked) continue; // its own columns below
      // Another customer's own record holding the same address or number stays theirs.
      if (ofAnotherCustomer(t, hit.linked)) continue;
      const where = t.key.map((k) => tx`${tx(k)} = ${row[k]}`).reduce((a, b) => tx`${a} AND ${b}`);
      if (t.table === 'email_suppressions' || t.table === 'idempotency_keys') {
        await tx`DELETE FROM ${tx(t.table)} WHERE tenant_id = ${tenantId} AND ${where}`;
        replaced += hit.places.length;
        continue;
      }
      const terms = hit.linked ? p.terms : p.terms.filter((x) => x.unique);
      const set: Record<string, unknown> = {};
      for (const place of hit.places) {
        const c = t.columns.find((x) => x.name === place.column)!;
        const v = row[c.name];
        set[c.name] = c.jsonb
          ? tx.json(redactValue(v, terms) as never)
          : redact(String(v), terms, { fixedWidth: t.table === 'autogiro_records' });
        replaced += 1;
      }
      await tx`UPDATE ${tx(t.table)} SET ${tx(set as never)} WHERE tenant_id = ${tenantId} AND ${where}`;
    }
    // Copies inside binary merges: made again from the kept documents when asked for.
    await tx`
      UPDATE print_batches SET merged_pdf = NULL, merged_delivery_count = NULL
      WHERE tenant_id = ${tenantId} AND id IN (SELECT print_batch_id FROM deliveries WHERE tenant_id = ${tenantId} AND invoice_id = ANY(${p.invoiceIds}::text[]))`;
    await tx`
      UPDATE print_envelopes SET content = NULL
      WHERE tenant_id = ${tenantId} AND id IN (SELECT envelope_id FROM print_envelope_letters WHERE invoice_id = ANY(${p.invoiceIds}::text[]))`;
    const erasedAddress = p.person.address ? { street: ERASED, postalCode: ERASED, city: ERASED, country: ERASED } : null;
    const [person] = await tx`
      UPDATE persons SET name = ${ERASED},
        email = CASE WHEN email IS NULL THEN NULL ELSE ${ERASED} END,
        invoice_email = CASE WHEN invoice_email IS NULL THEN NULL ELSE ${ERASED} END,
        address = ${erasedAddress ? tx.json(erasedAddress) : null},
        personal_identity_number = NULL,
        erased_at = now()
      WHERE id = ${personId} AND tenant_id = ${tenantId}
      RETURNING erased_at`;
    await tx`UPDATE autogiro_mandates SET payer_number = ${ERASED} WHERE person_id = ${personId} AND tenant_id = ${tenantId}`;

    const erasureId = `era_${ulid()}`;
    await tx`
      INSERT INTO person_erasures (id, tenant_id, person_id, reason, erased_at, replaced_values, replaced_files)
      VALUES (${erasureId}, ${tenantId}, ${personId}, ${redact(o.reason, p.terms)}, ${person.erased_at}, ${replaced}, ${o.replacedFiles})`;
    const docs = await tx`
      SELECT d.id, d.kind, d.invoice_id, i.issue_date FROM documents d JOIN invoices i ON i.id = d.invoice_id AND i.tenant_id = d.tenant_id
      WHERE d.tenant_id = ${tenantId} AND i.person_id = ${personId} ORDER BY d.created_at, d.id`;
    const invoices = await tx`SELECT id, issue_date FROM invoices WHERE tenant_id = ${tenantId} AND person_id = ${personId} ORDER BY id`;
    const bankFiles = await findPaymentFiles(tx, tenantId, p);
    const items = [
      ...bankFiles.map((f) => ({ kind: 'payment_file', item_id: f.id, invoice_id: null, until: retentionUntil(f.receivedAt) })),
      ...docs.map((d) => ({ kind: d.kind as string, item_id: d.id as string, invoice_id: d.invoice_id as string, until: retentionUntil(dateOnly(d.issue_date)) })),
      ...invoices.map((i) => ({ kind: 'history', item_id: i.id as string, invoice_id: i.id as string, until: retentionUntil(dateOnly(i.issue_date)) })),
    ];
    if (items.length) {
      await tx`
        INSERT INTO retained_items ${tx(items.map((i) => ({ ...i, tenant_id: tenantId, erasure_id: erasureId })))}
        ON CONFLICT (kind, item_id) DO NOTHING`;
    }
    const kept = await tx`
      SELECT kind, item_id, until FROM retained_items
      WHERE tenant_id = ${tenantId} AND deleted_at IS NULL
        AND erasure_id IN (SELECT id FROM person_erasures WHERE tenant_id = ${tenantId} AND person_id = ${personId})
      ORDER BY until, kind, item_id`;
    const erasedAt = new Date(person.erased_at).toISOString();
    await tx`
      INSERT INTO events (tenant_id, type, created_at, data)
      VALUES (${tenantId}, 'person.erased', ${person.erased_at},
              ${tx.json({ person: { id: personId, erasureId, erasedAt, kept: kept.length } })})`;
    return {
      erasureId,
      erasedAt,
      replacedValues: replaced,
      kept: kept.map((k) => ({ kind: k.kind as string, id: k.item_id as string, until: dateOnly(k.until) })) as Kept[],
    };
  });
}

/**
 * The daily retention job's work: every kept document whose retention ended before `today` is
 * deleted (links from deliveries and invoice pages cleared first), and every kept history of an
 * invoice; each item records when and how much was deleted. Idempotent: a deleted item is done.
 */
export async function deleteExpiredRetention(sql: Sql, today: string, limit = 500) {
  const due = await sql`
    SELECT tenant_id, kind, item_id, invoice_id, until FROM retained_items
    WHERE deleted_at IS NULL AND until < ${today}::date ORDER BY until, kind, item_id LIMIT ${limit}`;
  let documents = 0;
  let histories = 0;
  for (const item of due) {
    await sql.begin(async (tx) => {
      const { tenant_id: tenantId, item_id: id } = item;
      let count = 0;
      if (item.kind === 'history') {
        const rows = await tx`DELETE FROM invoice_history WHERE tenant_id = ${tenantId} AND invoice_id = ${id} RETURNING id`;
        count = rows.length;
      } else if (item.kind === 'payment_file') {
        // The row stays (its hash still recognises the same file sent again, its records what they paid).
        const rows = await tx`
          UPDATE payment_files f SET content = ''::bytea FROM (SELECT octet_length(content) AS bytes FROM payment_files WHERE tenant_id = ${tenantId} AND id = ${id}) old
          WHERE f.tenant_id = ${tenantId} AND f.id = ${id} RETURNING old.bytes`;
        count = rows.length ? Number(rows[0].bytes) : 0;
      } else {
        await tx`UPDATE deliveries SET document_id = NULL WHERE tenant_id = ${tenantId} AND document_id = ${id}`;
        await tx`UPDATE invoice_links SET document_id = NULL WHERE tenant_id = ${tenantId} AND document_id = ${id}`;
        const rows = await tx`DELETE FROM documents WHERE tenant_id = ${tenantId} AND id = ${id} RETURNING octet_length(content) AS bytes`;
        count = rows.length ? Number(rows[0].bytes) : 0;
      }
      const [done] = await tx`
        UPDATE retained_items SET deleted_at = now(), deleted_count = ${count}
        WHERE tenant_id = ${tenantId} AND kind = ${item.kind} AND item_id = ${id} AND deleted_at IS NULL RETURNING item_id`;
      if (done && item.kind === 'history') histories++;
      else if (done) documents++;
    });
  }
  return { fetched: due.length, limit, deleted: documents + histories, documents, histories };
}
