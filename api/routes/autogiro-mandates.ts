import { ulid } from '../../platform/ulid.js';
import { z } from '@hono/zod-openapi';
import { newRouter, route, json, body, type AppDeps } from '../context.js';
import { ParamsId } from '../schemas.js';
import { invalid, notFound, type FieldError } from '../problem.js';

const MandateCreate = z
  .strictObject({
    personId: z.string().min(1).max(100).optional(),
    organizationId: z.string().min(1).max(100).optional(),
    payerNumber: z.string().regex(/^\d{1,16}$/, 'must be 1-16 digits'),
    status: z.enum(['active', 'inactive']),
  })
  .refine((m) => Boolean(m.personId) !== Boolean(m.organizationId), { path: ['personId'], message: 'give exactly one of personId and organizationId' });

const Mandate = z
  .object({
    id: z.string(), companyId: z.string(), personId: z.string().nullable(), organizationId: z.string().nullable(),
    payerNumber: z.string(), status: z.enum(['active', 'inactive']), createdAt: z.string(),
  })
  .openapi('AutogiroMandate');

const fromRow = (r: Record<string, any>) => ({
  id: r.id, companyId: r.company_id, personId: r.person_id ?? null, organizationId: r.organization_id ?? null,
  payerNumber: r.payer_number, status: r.status, createdAt: new Date(r.created_at).toISOString(),
});

export function mandateRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();

  app.openapi(
    route({
      method: 'post', path: '/v1/companies/{id}/autogiro-mandates', tags: ['companies'],
      summary: "Register a payer's Autogiro mandate with the company",
      request: { params: ParamsId, ...body(MandateCreate) }, responses: { 201: json(Mandate, 'Created') },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const m = c.req.valid('json');
      const [found] = await sql`
        SELECT (SELECT 1 FROM companies WHERE id = ${id} AND tenant_id = ${tenantId}) AS company,
               (SELECT 1 FROM persons WHERE id = ${m.personId ?? null} AND tenant_id = ${tenantId}) AS person,
               (SELECT 1 FROM organizations WHERE id = ${m.organizationId ?? null} AND tenant_id = ${tenantId}) AS organization`;
      if (!found.company) throw notFound('The company');
      const errors: FieldError[] = [];
      if (m.personId && !found.person) errors.push({ path: 'personId', message: 'no such person' });
      if (m.organizationId && !found.organization) errors.push({ path: 'organizationId', message: 'no such organization' });
      if (errors.length) throw invalid(errors);
      const [row] = await sql`
        INSERT INTO autogiro_mandates (id, tenant_id, company_id, person_id, organization_id, payer_number, status)
        VALUES (${'agm_' + ulid()}, ${tenantId}, ${id}, ${m.personId ?? null}, ${m.organizationId ?? null}, ${m.payerNumber}, ${m.status})
        RETURNING *`;
      return c.json(fromRow(row), 201);
    },
  );

  app.openapi(
    route({
      method: 'get', path: '/v1/companies/{id}/autogiro-mandates', tags: ['companies'], summary: "The company's Autogiro mandates",
      request: { params: ParamsId }, responses: { 200: json(z.object({ items: z.array(Mandate) })) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const [company] = await sql`SELECT 1 FROM companies WHERE id = ${id} AND tenant_id = ${tenantId}`;
      if (!company) throw notFound('The company');
      const rows = await sql`SELECT * FROM autogiro_mandates WHERE company_id = ${id} AND tenant_id = ${tenantId} ORDER BY created_at, id`;
      return c.json({ items: rows.map(fromRow) }, 200);
    },
  );
  return app;
}
