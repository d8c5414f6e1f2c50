/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { Sql } from '../../db/client.js';
import { METHODS, type Method } from '../../domain/methods.js';
import { q } from '../api-client.js';
import { field, likePattern, type BoContext, type BoEnv } from '../context.js';
import { METHOD_NAMES } from '../i18n.js';
import { Csrf, errorFor, FieldErrors, Page } from '../layout.js';

type Kind = 'persons' | 'organizations';

// The erasure's words (GDPR art. 17), Swedish and English like the rest of the back office.
const ERASE_TEXT = {
  sv: {
    heading: 'Radera personuppgifter',
    intro: 'Kunden kan begära att bli raderad. Namn, adresser, e-post, faktura-e-post och personnummer ersätts då med [raderad] överallt där de finns: kunden, fakturorna, historiken, utskicken, händelserna och utkorgens filer. Utfärdade fakturor (PDF och e-faktura) sparas så länge bokföringslagen kräver, sju år efter utgången av fakturans kalenderår.',
    start: 'Radera personuppgifter…',
    confirmTitle: 'Radera personuppgifterna för',
    confirmText: 'Raderingen kan inte ångras. Kunden får inga fler fakturor med dessa uppgifter.',
    reason: 'Skäl',
    reasonHint: 'Till exempel: Begäran från kunden den 6 december.',
    confirm: 'Bekräfta radering',
    cancel: 'Avbryt',
    erased: 'Personuppgifterna är raderade',
    erasedAt: 'Raderad',
    kept: 'Sparas enligt bokföringslagen',
    keptKind: 'Handling',
    until: 'Sparas till och med',
    nothingKept: 'Inga handlingar behöver sparas.',
    openInvoices: 'Kunden har fakturor som ännu inte är skickade eller betalda. Kreditera dem eller vänta tills de är betalda, och radera sedan.',
    kinds: { invoice_pdf: 'Faktura (PDF)', reminder_pdf: 'Påminnelse (PDF)', ubl: 'E-faktura (UBL)', history: 'Fakturans historik', payment_file: 'Betalningsfil från banken' } as Record<string, string>,
  },
  en: {
    heading: 'Erase personal data',
    intro: 'The customer may ask to be erased. Their name, addresses, e-mail, invoice e-mail and personal identity number are then replaced with [raderad] wherever they are held: the customer, the invoices, the history, the deliveries, the events and the outbox files. Issued invoices (PDF and e-invoice) are kept as long as the Bookkeeping Act requires, seven years after the end of the invoice\'s calendar year.',
    start: 'Erase personal data…',
    confirmTitle: 'Erase the personal data of',
    confirmText: 'The erasure cannot be undone. The customer gets no more invoices with these details.',
    reason: 'Reason',
    reasonHint: 'For example: Request from the customer on 6 December.',
    confirm: 'Confirm erasure',
    cancel: 'Cancel',
    erased: 'The personal data is erased',
    erasedAt: 'Erased',
    kept: 'Kept under the Bookkeeping Act',
    keptKind: 'Record',
    until: 'Kept until',
    nothingKept: 'No records need to be kept.',
    openInvoices: 'The customer has invoices not yet sent or paid. Credit them or wait until they are paid, then erase.',
    kinds: { invoice_pdf: 'Invoice (PDF)', reminder_pdf: 'Reminder (PDF)', ubl: 'E-invoice (UBL)', history: 'The invoice\'s history', payment_file: 'Payment file from the bank' } as Record<string, string>,
  },
};

function ErasePage({ c, party, errors, status }: { c: BoContext; party: { id: string; name: string }; errors: Errors; status?: number }) {
  const m = c.get('m');
  const t = ERASE_TEXT[c.get('lang')];
  const reasonErr = errorFor(errors, 'reason');
  void status;
  return (
    <Page c={c} title={`${t.confirmTitle} ${party.name}`} active="customers">
      <FieldErrors errors={errors} m={m} />
      <p>{t.intro}</p>
      <p><strong>{t.confirmText}</strong></p>
      <form method="post" action={`/app/customers/persons/${party.id}/erase`} class="stack narrow" novalidate>
        <Csrf token={c.get('session').csrfToken} />
        <label for="reason">{t.reason}</label>
        <input id="reason" name="reason" type="text" maxlength={500} required aria-invalid={reasonErr ? 'true' : undefined} aria-describedby="reason-hint" />
        <p id="reason-hint" class={reasonErr ? 'error-text' : 'hint'}>{reasonErr ?? t.reasonHint}</p>
        <button type="submit" class="danger">{t.confirm}</button>
      </form>
      <p><a href={`/app/customers/persons/${party.id}`}>{t.cancel}</a></p>
    </Page>
  );
}

function ErasedPage({ c, personId, erasure }: { c: BoContext; personId: string; erasure: { erasedAt: string; kept: { kind: string; id: string; until: string }[] } }) {
  const t = ERASE_TEXT[c.get('lang')];
  return (
    <Page c={c} title={t.erased} active="customers">
      <p class="alert ok" role="status">{t.erased}. {t.erasedAt}: {erasure.erasedAt.slice(0, 16).replace('T', ' ')} UTC</p>
      <h2>{t.kept}</h2>
      {erasure.kept.length ? (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">{t.keptKind}</th><th scope="col">Id</th><th scope="col">{t.until}</th></tr></thead>
            <tbody>
              {erasure.kept.map((k) => (
                <tr><td>{t.kinds[k.kind] ?? k.kind}</td><td><code>{k.id}</code></td><td>{k.until}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <p>{t.nothingKept}</p>}
      <p><a href={`/app/customers/persons/${personId}`}>{c.get('m').back}</a></p>
    </Page>
  );
}
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

function EditPage({ c, kind, party, errors, saved }: { c: BoContext; kind: Kind; party: { id: string; name: string; email: string | null; invoiceEmail: string | null; distributionMethod: Method | null; personalIdentityNumber?: string | null; language?: 'sv' | 'en' | null }; errors: Errors; saved: boolean }) {
  const m = c.get('m');
  const lang = c.get('lang');
  const emailErr = errorFor(errors, 'invoiceEmail');
  const methodErr = errorFor(errors, 'distributionMethod');
  const pinErr = errorFor(errors, 'personalIdentityNumber');
  const languageErr = errorFor(errors, 'language');
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
        <label for="language">{m.customerLanguage}</label>
        <select id="language" name="language" aria-invalid={languageErr ? 'true' : undefined} aria-describedby="language-hint">
          <option value="">{m.templateLanguage}</option>
          <option value="sv" selected={party.language === 'sv'}>{m.languageSv}</option>
          <option value="en" selected={party.language === 'en'}>{m.languageEn}</option>
        </select>
        <p id="language-hint" class={languageErr ? 'error-text' : 'hint'}>{languageErr ?? m.customerLanguageHint}</p>
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
      {kind === 'persons' ? (
        <section aria-labelledby="erase-h">
          <h2 id="erase-h">{ERASE_TEXT[lang].heading}</h2>
          <p>{ERASE_TEXT[lang].intro}</p>
          <p><a class="button danger" href={`/app/customers/persons/${party.id}/erase`}>{ERASE_TEXT[lang].start}</a></p>
        </section>
      ) : null}
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

  // Erasure: a confirmation page first, then the API's erase; its refusal (open invoices) is shown there.
  app.get('/customers/persons/:id/erase', async (c) => {
    const res = await c.get('api').get(`/v1/persons/${q(c.req.param('id'))}`);
    if (!res.ok) return c.notFound();
    return c.html(<ErasePage c={c} party={res.data} errors={[]} />);
  });
  app.post('/customers/persons/:id/erase', async (c) => {
    const id = c.req.param('id');
    const form = await c.req.parseBody();
    const api = c.get('api');
    const res = await api.post(`/v1/persons/${q(id)}/erase`, { reason: field(form, 'reason').trim() });
    if (res.ok) return c.html(<ErasedPage c={c} personId={id} erasure={res.data} />);
    const current = await api.get(`/v1/persons/${q(id)}`);
    if (!current.ok) return c.notFound();
    const errors = res.status === 409
      ? [{ path: '(form)', message: ERASE_TEXT[c.get('lang')].openInvoices }]
      : res.data.errors ?? [{ path: '(form)', message: res.data.detail }];
    return c.html(<ErasePage c={c} party={current.data} errors={errors} />, res.status === 409 ? 409 : 422);
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
        language: (field(form, 'language') || null) as 'sv' | 'en' | null,
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
