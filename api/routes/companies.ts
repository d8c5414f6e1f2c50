import { ulid } from '../../platform/ulid.js';
import { z } from '@hono/zod-openapi';
import { newRouter, route, json, body, type AppDeps } from '../context.js';
import { companyFromRow, settingsFromRow, templateFromRow } from '../../db/rows.js';
import { Company, CompanyCreate, CompanyPatch, LogoUpload, ParamsId, Settings, SettingsUpdate, Template, TemplateCreate } from '../schemas.js';
import { invalid, notFound, ProblemError, type FieldError } from '../problem.js';
import { logoProblem, type LogoType } from '../../documents/logo-image.js';

/** The logo's bytes, once they have decoded as the image type they claim to be; else 422 invalid_logo. */
/** The settings as API.md shows them, with the postage the send preview estimates from. */
const settingsOf = (row: Record<string, any>) => ({
  ...settingsFromRow(row),
  postagePerLetter: (row.postage_per_letter ?? null) as number | null,
  unopenedLetterAfterBankDays: (row.unopened_letter_after_bank_days ?? null) as number | null,
});

function decodedLogo(logo: { contentType: LogoType; data: string }, at: string): Buffer {
  const bytes = Buffer.from(logo.data, 'base64');
  const problem = logoProblem(logo.contentType, bytes);
  if (problem) throw new ProblemError(422, 'invalid_logo', 'Invalid logo', `The logo ${problem}.`, [{ path: at, message: problem }]);
  return bytes;
}

export function companyRoutes(deps: AppDeps) {
  const { sql } = deps;
  const app = newRouter();

  async function loadCompany(tenantId: string, id: string) {
    const [row] = await sql`SELECT * FROM companies WHERE id = ${id} AND tenant_id = ${tenantId}`;
    if (!row) throw notFound('The company');
    return row;
  }

  app.openapi(
    route({
      method: 'post', path: '/v1/companies', tags: ['companies'], summary: 'Create a company (facility)',
      request: body(CompanyCreate),
      responses: { 201: json(Company, 'Created') },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const tenantId = c.get('tenantId');
      const id = `cmp_${ulid()}`;
      const logo = b.logo ? decodedLogo(b.logo, 'logo.data') : null;
      const [row] = await sql`
        INSERT INTO companies (id, tenant_id, name, org_number, vat_number, address, email, phone, bankgiro,
                               autogiro_customer_number, peppol_id, kivra_tenant_key, logo, logo_content_type, swish_number)
        VALUES (${id}, ${tenantId}, ${b.name}, ${b.orgNumber}, ${b.vatNumber ?? null}, ${sql.json(b.address)},
                ${b.email ?? null}, ${b.phone ?? null}, ${b.bankgiro ?? null}, ${b.autogiroCustomerNumber ?? null},
                ${b.peppolId ?? null}, ${b.kivraTenantKey ?? null}, ${logo}, ${b.logo?.contentType ?? null}, ${b.swishNumber ?? null})
        RETURNING *`;
      return c.json(companyFromRow(row), 201);
    },
  );

  app.openapi(
    route({
      method: 'get', path: '/v1/companies/{id}', tags: ['companies'], summary: 'Get a company',
      request: { params: ParamsId }, responses: { 200: json(Company) },
    }),
    async (c) => c.json(companyFromRow(await loadCompany(c.get('tenantId'), c.req.valid('param').id)), 200),
  );

  app.openapi(
    route({
      method: 'patch', path: '/v1/companies/{id}', tags: ['companies'], summary: 'Update a company (its Kivra tenant key, its Swish number)',
      request: { params: ParamsId, ...body(CompanyPatch) }, responses: { 200: json(Company) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const p = c.req.valid('json');
      await loadCompany(tenantId, id);
      const [row] = await sql`
        UPDATE companies SET
          kivra_tenant_key = ${p.kivraTenantKey !== undefined ? sql`${p.kivraTenantKey}::text` : sql`kivra_tenant_key`},
          swish_number = ${p.swishNumber !== undefined ? sql`${p.swishNumber}::text` : sql`swish_number`}
        WHERE id = ${id} AND tenant_id = ${tenantId} RETURNING *`;
      return c.json(companyFromRow(row), 200);
    },
  );

  app.openapi(
    route({
      method: 'get', path: '/v1/companies/{id}/distribution-settings', tags: ['companies'], summary: 'Distribution settings',
      request: { params: ParamsId }, responses: { 200: json(Settings) },
    }),
    async (c) => c.json(settingsOf(await loadCompany(c.get('tenantId'), c.req.valid('param').id)), 200),
  );

  app.openapi(
    route({
      method: 'put', path: '/v1/companies/{id}/distribution-settings', tags: ['companies'],
      summary: 'Replace distribution settings',
      request: { params: ParamsId, ...body(SettingsUpdate) }, responses: { 200: json(Settings) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const s = c.req.valid('json');
      await loadCompany(tenantId, id);
      const active = [...new Set(s.activeMethods)];
      const errors: FieldError[] = [];
      if (s.defaultMethod && !active.includes(s.defaultMethod)) errors.push({ path: 'defaultMethod', message: 'must be one of the active methods' });
      if (!s.defaultMethod && active.length > 0) errors.push({ path: 'defaultMethod', message: 'is required when any method is active' });
      if (s.fallbackMethod && !active.includes(s.fallbackMethod)) errors.push({ path: 'fallbackMethod', message: 'must be one of the active methods' });
      if (s.fallbackMethod && s.fallbackMethod === s.defaultMethod) errors.push({ path: 'fallbackMethod', message: 'must differ from the default method' });
      if (errors.length) throw invalid(errors);
      const [row] = await sql`
        UPDATE companies SET active_methods = ${active}::text[], default_method = ${s.defaultMethod},
          fallback_method = ${s.fallbackMethod}, reminder_distribution = ${s.reminderDistribution},
          undo_window_seconds = ${s.undoWindowSeconds}, link_invoice_to_organization = ${s.linkInvoiceToOrganization},
          bounce_fallback = coalesce(${s.bounceFallback ?? null}::boolean, bounce_fallback),
          reminder_fee = coalesce(${s.reminderFee ?? null}::integer, reminder_fee),
          combine_envelopes = coalesce(${s.combineEnvelopes ?? null}::boolean, combine_envelopes),
          late_interest_mode = coalesce(${s.lateInterest?.mode ?? null}::text, late_interest_mode),
          reference_rate_percent = ${s.lateInterest ? sql`${s.lateInterest.referenceRatePercent ?? null}::numeric` : sql`reference_rate_percent`},
          reference_rate_date = ${s.lateInterest ? sql`${s.lateInterest.referenceRateDate ?? null}::date` : sql`reference_rate_date`},
          postage_per_letter = ${s.postagePerLetter !== undefined ? sql`${s.postagePerLetter}::integer` : sql`postage_per_letter`},
          unopened_letter_after_bank_days = ${s.unopenedLetterAfterBankDays !== undefined ? sql`${s.unopenedLetterAfterBankDays}::integer` : sql`unopened_letter_after_bank_days`}
        WHERE id = ${id} AND tenant_id = ${tenantId} RETURNING *`;
      return c.json(settingsOf(row), 200);
    },
  );

  app.openapi(
    route({
      method: 'put', path: '/v1/companies/{id}/logo', tags: ['companies'], summary: "Replace the company's logo (PNG or JPEG, at most 2 MB)",
      request: { params: ParamsId, ...body(LogoUpload) }, responses: { 200: json(Company) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const logo = c.req.valid('json');
      await loadCompany(tenantId, id);
      const bytes = decodedLogo(logo, 'data');
      const [row] = await sql`
        UPDATE companies SET logo = ${bytes}, logo_content_type = ${logo.contentType}
        WHERE id = ${id} AND tenant_id = ${tenantId} RETURNING *`;
      return c.json(companyFromRow(row), 200);
    },
  );

  app.openapi(
    route({
      method: 'delete', path: '/v1/companies/{id}/logo', tags: ['companies'], summary: "Remove the company's logo",
      request: { params: ParamsId }, responses: { 200: json(Company) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const [row] = await sql`
        UPDATE companies SET logo = NULL, logo_content_type = NULL
        WHERE id = ${id} AND tenant_id = ${tenantId} RETURNING *`;
      if (!row) throw notFound('The company');
      return c.json(companyFromRow(row), 200);
    },
  );

  app.openapi(
    route({
      method: 'post', path: '/v1/companies/{id}/templates', tags: ['companies'], summary: 'Create an invoice template',
      request: { params: ParamsId, ...body(TemplateCreate) }, responses: { 201: json(Template, 'Created') },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      const t = c.req.valid('json');
      await loadCompany(tenantId, id);
      const [row] = await sql`
        INSERT INTO templates (id, tenant_id, company_id, name, language, header_text, footer_text, accent_color)
        VALUES (${'tpl_' + ulid()}, ${tenantId}, ${id}, ${t.name}, ${t.language}, ${t.headerText ?? null},
                ${t.footerText ?? null}, ${t.accentColor ?? null})
        RETURNING *`;
      return c.json(templateFromRow(row), 201);
    },
  );

  app.openapi(
    route({
      method: 'get', path: '/v1/companies/{id}/templates', tags: ['companies'], summary: 'List templates',
      request: { params: ParamsId }, responses: { 200: json(z.object({ items: z.array(Template) })) },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      await loadCompany(tenantId, id);
      const rows = await sql`SELECT * FROM templates WHERE company_id = ${id} AND tenant_id = ${tenantId} ORDER BY created_at, id`;
      return c.json({ items: rows.map(templateFromRow) }, 200);
    },
  );

  return app;
}
