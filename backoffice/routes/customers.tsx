/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { Sql } from '../../db/client.js';
import { METHODS, type Method } from '../../domain/methods.js';
import { q } from '../api-client.js';
import { field, likePattern, type BoContext, type BoEnv } from '../context.js';
import { METHOD_NAMES } from '../i18n.js';
import { Csrf, errorFor, FieldErrors, Page } from '../layout.js';

type Kind = 'persons' | 'organizations';
type Errors = { path: string; message: string }[];

function CustomerTable({ c, kind, rows }: { c: BoContext; kind: Kind; rows: { id: string; name: string; invoice_email: string | null; email: string | null; distribution_method: Method | null }[] }) {
  const m = c.get('m');
  const lang = c.get('lang');
  return (
    <section aria-labelledby={`${kind}-h`}>
      <h2 id={`${kind}-h`}>{kind === 'persons' ? m.persons : m.organizations}</h2>
      {rows.length ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{m.name}</th>
                <th scope="col">{m.invoiceEmail}</th>
                <th scope="col">{m.distributionMethod}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td><a href={`/app/customers/${kind}/${r.id}`}>{r.name}</a></td>
                  <td>{r.invoice_email ?? <span class="muted">{r.email ?? '–'}</span>}</td>
                  <td>{r.distribution_method ? METHOD_NAMES[lang][r.distribution_method] : <span class="muted">{m.companyDefault}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>{m.noCustomers}</p>
      )}
    </section>
  );
}

function EditPage({ c, kind, party, errors, saved }: { c: BoContext; kind: Kind; party: { id: string; name: string; email: string | null; invoiceEmail: string | null; distributionMethod: Method | null; personalIdentityNumber?: string | null }; errors: Errors; saved: boolean }) {
  const m = c.get('m');
  const lang = c.get('lang');
  const emailErr = errorFor(errors, 'invoiceEmail');
  const methodErr = errorFor(errors, 'distributionMethod');
  const pinErr = errorFor(errors, 'personalIdentityNumber');
  return (
    <Page c={c} title={party.name} active="customers">
      {saved ? <p class="alert ok" role="status">{m.saved}</p> : null}
      <FieldErrors errors={errors} m={m} />
      <p>{m.email}: {party.email ?? '–'}</p>
      <form method="post" action={`/app/customers/${kind}/${party.id}`} class="stack narrow" novalidate>
        <Csrf token={c.get('session').csrfToken} />
        <label for="distributionMethod">{m.distributionMethod}</label>
        <select id="distributionMethod" name="distributionMethod" aria-invalid={methodErr ? 'true' : undefined}>
          <option value="">{m.companyDefault}</option>
          {METHODS.map((me) => (
            <option value={me} selected={me === party.distributionMethod}>{METHOD_NAMES[lang][me]}</option>
          ))}
        </select>
        {methodErr ? <p class="error-text">{methodErr}</p> : null}
        <label for="invoiceEmail">{m.invoiceEmail}</label>
        <input id="invoiceEmail" name="invoiceEmail" type="text" inputmode="email" maxlength={320} value={party.invoiceEmail ?? ''} aria-invalid={emailErr ? 'true' : undefined} />
        {emailErr ? <p class="error-text">{emailErr}</p> : null}
        {kind === 'persons' ? (
          <>
            <label for="personalIdentityNumber">{m.personalIdentityNumber}</label>
            <input id="personalIdentityNumber" name="personalIdentityNumber" type="text" inputmode="numeric" maxlength={13} autocomplete="off"
              value={party.personalIdentityNumber ?? ''} aria-invalid={pinErr ? 'true' : undefined} aria-describedby="pin-hint" />
            <p id="pin-hint" class={pinErr ? 'error-text' : 'hint'}>{pinErr ?? m.personalIdentityNumberHint}</p>
          </>
        ) : null}
        <button type="submit" class="primary">{m.save}</button>
      </form>
      <p><a href="/app/customers">{m.back}</a></p>
    </Page>
  );
}

export function customerRoutes(sql: Sql) {
  const app = new Hono<BoEnv>();

  app.get('/customers', async (c) => {
    const m = c.get('m');
    const tenantId = c.get('session').tenantId;
    const search = (c.req.query('q') ?? '').trim().slice(0, 100);
    const match = search ? sql`AND (name ILIKE ${likePattern(search)} OR email ILIKE ${likePattern(search)} OR invoice_email ILIKE ${likePattern(search)})` : sql``;
    const [persons, organizations] = await Promise.all([
      sql`SELECT id, name, email, invoice_email, distribution_method FROM persons WHERE tenant_id = ${tenantId} ${match} ORDER BY name, id LIMIT 200`,
      sql`SELECT id, name, email, invoice_email, distribution_method FROM organizations WHERE tenant_id = ${tenantId} ${match} ORDER BY name, id LIMIT 200`,
    ]);
    return c.html(
      <Page c={c} title={m.navCustomers} active="customers">
        <form method="get" action="/app/customers" class="filters" role="search">
          <label for="q">{m.search}</label>
          <input id="q" name="q" type="search" value={search} maxlength={100} />
          <button type="submit">{m.search}</button>
        </form>
        <CustomerTable c={c} kind="persons" rows={persons as never} />
        <CustomerTable c={c} kind="organizations" rows={organizations as never} />
      </Page>,
    );
  });

  for (const kind of ['persons', 'organizations'] as const) {
    app.get(`/customers/${kind}/:id`, async (c) => {
      const res = await c.get('api').get(`/v1/${kind}/${q(c.req.param('id'))}`);
      if (!res.ok) return c.notFound();
      return c.html(<EditPage c={c} kind={kind} party={res.data} errors={[]} saved={c.req.query('saved') === '1'} />);
    });
    app.post(`/customers/${kind}/:id`, async (c) => {
      const id = c.req.param('id');
      const form = await c.req.parseBody();
      const patch = {
        distributionMethod: field(form, 'distributionMethod') || null,
        invoiceEmail: field(form, 'invoiceEmail').trim() || null,
        ...(kind === 'persons' ? { personalIdentityNumber: field(form, 'personalIdentityNumber').trim() || null } : {}),
      };
      const api = c.get('api');
      const res = await api.patch(`/v1/${kind}/${q(id)}`, patch);
      if (res.ok) return c.redirect(`/app/customers/${kind}/${id}?saved=1`, 303);
      const current = await api.get(`/v1/${kind}/${q(id)}`);
      if (!current.ok) return c.notFound();
      const errors = res.data.errors ?? [{ path: '(form)', message: res.data.detail }];
      return c.html(<EditPage c={c} kind={kind} party={{ ...current.data, ...patch }} errors={errors} saved={false} />, 422);
    });
  }
  return app;
}
