import { ulid } from '../../platform/ulid.js';
import { newRouter, route, json, body, type AppDeps } from '../context.js';
import { organizationFromRow, personFromRow, referenceFromRow } from '../../db/rows.js';
import {
  OrganizationCreate, OrganizationPatch, Organization, ParamsId, Person, PersonCreate, PersonPatch, Reference, ReferenceCreate,
} from '../schemas.js';
import { invalid, notFound } from '../problem.js';

const PERSON_COLUMNS = { name: 'name', email: 'email', invoiceEmail: 'invoice_email', address: 'address', distributionMethod: 'distribution_method', organizationId: 'organization_id', personalIdentityNumber: 'personal_identity_number', language: 'language' } as const;
const ORG_COLUMNS = { name: 'name', orgNumber: 'org_number', email: 'email', invoiceEmail: 'invoice_email', address: 'address', distributionMethod: 'distribution_method', peppolId: 'peppol_id', language: 'language' } as const;

/** camelCase API fields → columns, keeping only fields present in the request. */
function columns(sql: AppDeps['sql'], input: Record<string, unknown>, map: Record<string, string>) {
  const out: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(map)) {
    if (!(field in input)) continue;
    const v = input[field] ?? null;
    out[column] = field === 'address' && v !== null ? sql.json(v as never) : v;
  }
  return out;
}

export function partyRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();

  async function assertOrganization(tenantId: string, organizationId: string | null | undefined) {
    if (!organizationId) return;
    const [org] = await sql`SELECT 1 FROM organizations WHERE id = ${organizationId} AND tenant_id = ${tenantId}`;
    if (!org) throw invalid([{ path: 'organizationId', message: 'no such organization' }]);
  }
  async function loadOrganization(tenantId: string, id: string) {
    const [row] = await sql`SELECT * FROM organizations WHERE id = ${id} AND tenant_id = ${tenantId}`;
    if (!row) throw notFound('The organization');
    const refs = await sql`SELECT * FROM invoice_references WHERE organization_id = ${id} AND tenant_id = ${tenantId} ORDER BY id`;
    return organizationFromRow(row, refs);
  }

  app.openapi(
    route({ method: 'post', path: '/v1/persons', tags: ['customers'], summary: 'Create a person (customer)', request: body(PersonCreate), responses: { 201: json(Person, 'Created') } }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const p = c.req.valid('json');
      await assertOrganization(tenantId, p.organizationId);
      const values = { id: `per_${ulid()}`, tenant_id: tenantId, ...columns(sql, p, PERSON_COLUMNS) };
      const [row] = await sql`INSERT INTO persons ${sql(values as never)} RETURNING *`;
      return c.json(personFromRow(row), 201);
    },
  );
  app.openapi(
    route({ method: 'get', path: '/v1/persons/{id}', tags: ['customers'], summary: 'Get a person', request: { params: ParamsId }, responses: { 200: json(Person) } }),
    async (c) => {
      const [row] = await sql`SELECT * FROM persons WHERE id = ${c.req.valid('param').id} AND tenant_id = ${c.get('tenantId')}`;
      if (!row) throw notFound('The person');
      return c.json(personFromRow(row), 200);
    },
  );
  app.openapi(
    route({ method: 'patch', path: '/v1/persons/{id}', tags: ['customers'], summary: 'Update a person', request: { params: ParamsId, ...body(PersonPatch) }, responses: { 200: json(Person) } }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const p = c.req.valid('json');
      await assertOrganization(tenantId, p.organizationId);
      const set = columns(sql, p, PERSON_COLUMNS);
      const [row] = Object.keys(set).length
        ? await sql`UPDATE persons SET ${sql(set as never)} WHERE id = ${id} AND tenant_id = ${tenantId} RETURNING *`
        : await sql`SELECT * FROM persons WHERE id = ${id} AND tenant_id = ${tenantId}`;
      if (!row) throw notFound('The person');
      return c.json(personFromRow(row), 200);
    },
  );

  app.openapi(
    route({ method: 'post', path: '/v1/organizations', tags: ['customers'], summary: 'Create an organization', request: body(OrganizationCreate), responses: { 201: json(Organization, 'Created') } }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const values = { id: `org_${ulid()}`, tenant_id: tenantId, ...columns(sql, c.req.valid('json'), ORG_COLUMNS) };
      const [row] = await sql`INSERT INTO organizations ${sql(values as never)} RETURNING *`;
      return c.json(organizationFromRow(row, []), 201);
    },
  );
  app.openapi(
    route({ method: 'get', path: '/v1/organizations/{id}', tags: ['customers'], summary: 'Get an organization', request: { params: ParamsId }, responses: { 200: json(Organization) } }),
    async (c) => c.json(await loadOrganization(c.get('tenantId'), c.req.valid('param').id), 200),
  );
  app.openapi(
    route({ method: 'patch', path: '/v1/organizations/{id}', tags: ['customers'], summary: 'Update an organization', request: { params: ParamsId, ...body(OrganizationPatch) }, responses: { 200: json(Organization) } }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const set = columns(sql, c.req.valid('json'), ORG_COLUMNS);
      if (Object.keys(set).length) {
        const [row] = await sql`UPDATE organizations SET ${sql(set as never)} WHERE id = ${id} AND tenant_id = ${tenantId} RETURNING id`;
        if (!row) throw notFound('The organization');
      }
      return c.json(await loadOrganization(tenantId, id), 200);
    },
  );
  app.openapi(
    route({ method: 'post', path: '/v1/organizations/{id}/invoice-references', tags: ['customers'], summary: 'Add an invoice reference (named contact)', request: { params: ParamsId, ...body(ReferenceCreate) }, responses: { 201: json(Reference, 'Created') } }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const r = c.req.valid('json');
      await loadOrganization(tenantId, id);
      const [row] = await sql`
        INSERT INTO invoice_references (id, tenant_id, organization_id, name, email, address)
        VALUES (${'ref_' + ulid()}, ${tenantId}, ${id}, ${r.name}, ${r.email ?? null}, ${r.address ? sql.json(r.address) : null})
        RETURNING *`;
      return c.json(referenceFromRow(row), 201);
    },
  );
  return app;
}
