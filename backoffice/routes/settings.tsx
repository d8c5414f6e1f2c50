/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { Sql } from '../../db/client.js';
import { METHODS, type Method } from '../../domain/methods.js';
import { q } from '../api-client.js';
import { field, fields, type BoContext, type BoEnv } from '../context.js';
import { METHOD_NAMES } from '../i18n.js';
import { Csrf, errorFor, FieldErrors, NoCompany, Page } from '../layout.js';
import { dateTime } from '../format.js';
import { invoiceNumbers } from './invoices.js';

type Settings = {
  activeMethods: Method[]; defaultMethod: Method | null; fallbackMethod: Method | null; reminderDistribution: boolean;
  undoWindowSeconds: number | string; linkInvoiceToOrganization: boolean; bounceFallback: boolean;
  combineEnvelopes: boolean; reminderFee: number | string; postagePerLetter: number | string | null;
  unopenedLetterAfterBankDays?: number | string | null;
  lateInterest: { mode: 'none' | 'reference_plus_8'; referenceRatePercent: number | string | null; referenceRateDate: string | null };
};
type Errors = { path: string; message: string }[];
type Suppression = { email: string; reason: string; at: string; invoiceId: string | null };

/** A number typed in the form goes to the API as a number; anything else as typed, for the API to name. */
const numberOrText = (v: string) => (/^\s*-?\d+\s*$/.test(v) ? Number(v) : v);
/** Kronor as a clerk types them ("60", "49,50") → öre for the API; anything else as typed, for the API to name. */
const oreOrText = (v: string) => (/^\s*\d+([.,]\d{1,2})?\s*$/.test(v) ? Math.round(Number(v.trim().replace(',', '.')) * 100) : v);
const kronor = (v: number | string | null) => v == null ? '' : (typeof v === 'number' ? (v / 100).toFixed(2).replace('.', ',').replace(/,00$/, '') : v);
const percentOrText = (v: string) => (/^\s*-?\d+([.,]\d{1,2})?\s*$/.test(v) ? Number(v.trim().replace(',', '.')) : v === '' ? null : v);

/** A labelled input with its hint; the API's error for the field takes the hint's place. */
function HintedField(p: { name: string; label: string; hint: string; hintId: string; error: string | null; value: string; numeric?: boolean; min?: string; max?: string }) {
  return (
    <div class="field">
      <label for={p.name}>{p.label}</label>
      <input id={p.name} name={p.name} type={p.numeric ? 'number' : undefined} inputmode={p.numeric ? 'numeric' : 'decimal'} min={p.min} max={p.max}
        value={p.value} aria-describedby={p.hintId} aria-invalid={p.error ? 'true' : undefined} />
      <p id={p.hintId} class={p.error ? 'error-text' : 'hint'}>{p.error ?? p.hint}</p>
    </div>
  );
}

function MethodSelect({ c, name, value, errors }: { c: BoContext; name: 'defaultMethod' | 'fallbackMethod'; value: Method | null; errors: Errors }) {
  const m = c.get('m');
  const err = errorFor(errors, name);
  return (
    <div class="field">
      <label for={name}>{name === 'defaultMethod' ? m.defaultMethod : m.fallbackMethod}</label>
      <select id={name} name={name} aria-invalid={err ? 'true' : undefined} aria-describedby={err ? `${name}-error` : undefined}>
        <option value="">{m.none}</option>
        {METHODS.map((me) => (
          <option value={me} selected={me === value}>{METHOD_NAMES[c.get('lang')][me]}</option>
        ))}
      </select>
      {err ? <p id={`${name}-error`} class="error-text">{err}</p> : null}
    </div>
  );
}

/** Spärrade e-postadresser: the company's suppression list, each address with a button that takes it off. */
function Suppressions({ c, items, numbers, removed }: { c: BoContext; items: Suppression[]; numbers: Map<string, string>; removed: boolean }) {
  const m = c.get('m');
  const lang = c.get('lang');
  const csrf = c.get('session').csrfToken;
  return (
    <section id="suppressions" aria-labelledby="suppressions-h">
      <h2 id="suppressions-h">{m.suppressions}</h2>
      <p class="hint">{m.suppressionsLead}</p>
      {removed ? <p class="alert ok" role="status">{m.suppressionRemoved}</p> : null}
      {items.length === 0 ? (
        <p>{m.noSuppressions}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{m.email}</th>
                <th scope="col">{m.blockedSince}</th>
                <th scope="col">{m.invoice}</th>
                <th scope="col">{m.reason}</th>
                <th scope="col"><span class="visually-hidden">{m.removeSuppression}</span></th>
              </tr>
            </thead>
            <tbody>
              {items.map((x) => (
                <tr data-suppression={x.email}>
                  <td>{x.email}</td>
                  <td>{dateTime(x.at, lang)}</td>
                  <td>{x.invoiceId ? <a href={`/app/invoices/${x.invoiceId}`}>{numbers.get(x.invoiceId) ?? x.invoiceId}</a> : '–'}</td>
                  <td>{x.reason}</td>
                  <td>
                    <form method="post" action="/app/settings/suppressions/delete">
                      <Csrf token={csrf} />
                      <input type="hidden" name="email" value={x.email} />
                      <button type="submit" class="danger" aria-label={`${m.removeSuppression}: ${x.email}`}>{m.removeSuppression}</button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SettingsPage({ c, s, hasLogo, errors, saved, logoErrors, suppressions }: {
  c: BoContext; s: Settings; hasLogo: boolean; errors: Errors; saved: boolean; logoErrors: Errors;
  suppressions: { items: Suppression[]; numbers: Map<string, string>; removed: boolean };
}) {
  const m = c.get('m');
  const lang = c.get('lang');
  const csrf = c.get('session').csrfToken;
  const undoErr = errorFor(errors, 'undoWindowSeconds');
  const activeErr = errorFor(errors, 'activeMethods');
  const feeErr = errorFor(errors, 'reminderFee');
  const rateErr = errorFor(errors, 'lateInterest.referenceRatePercent');
  const rateDateErr = errorFor(errors, 'lateInterest.referenceRateDate');
  const postageErr = errorFor(errors, 'postagePerLetter');
  const unopenedErr = errorFor(errors, 'unopenedLetterAfterBankDays');
  return (
    <Page c={c} title={`${m.navSettings} – ${c.get('company')!.name}`} active="settings">
      {saved ? <p class="alert ok" role="status">{m.saved}</p> : null}
      <FieldErrors errors={errors} m={m} />
      <form method="post" action="/app/settings" class="stack settings" novalidate>
        <Csrf token={csrf} />
        <fieldset aria-invalid={activeErr ? 'true' : undefined}>
          <legend>{m.activeMethods}</legend>
          {METHODS.map((me) => (
            <label class="check">
              <input type="checkbox" name="activeMethods" value={me} checked={s.activeMethods.includes(me)} /> {METHOD_NAMES[lang][me]}
            </label>
          ))}
          {activeErr ? <p class="error-text">{activeErr}</p> : null}
        </fieldset>
        <MethodSelect c={c} name="defaultMethod" value={s.defaultMethod} errors={errors} />
        <MethodSelect c={c} name="fallbackMethod" value={s.fallbackMethod} errors={errors} />
        <label class="check">
          <input type="checkbox" name="reminderDistribution" value="on" checked={s.reminderDistribution} /> {m.reminderDistribution}
        </label>
        <HintedField name="undoWindowSeconds" label={m.undoWindow} hint={m.undoWindowHint} hintId="undo-hint" error={undoErr} numeric
          value={String(s.undoWindowSeconds)} />
        <label class="check">
          <input type="checkbox" name="linkInvoiceToOrganization" value="on" checked={s.linkInvoiceToOrganization} /> {m.linkToOrg}
        </label>
        <label class="check">
          <input type="checkbox" name="bounceFallback" value="on" checked={s.bounceFallback} /> {m.bounceFallback}
        </label>
        <label class="check">
          <input type="checkbox" name="combineEnvelopes" value="on" checked={s.combineEnvelopes} /> {m.combineEnvelopes}
        </label>
        <HintedField name="postagePerLetter" label={m.postagePerLetter} hint={m.postagePerLetterHint} hintId="postage-hint" error={postageErr}
          value={kronor(s.postagePerLetter)} />
        <HintedField name="unopenedLetterAfterBankDays" label={m.unopenedLetter} hint={m.unopenedLetterHint} hintId="unopened-hint" error={unopenedErr}
          numeric min="1" max="30" value={s.unopenedLetterAfterBankDays == null ? '' : String(s.unopenedLetterAfterBankDays)} />
        <fieldset>
          <legend>{m.reminderCharges}</legend>
          <HintedField name="reminderFee" label={m.reminderFee} hint={m.reminderFeeHint} hintId="fee-hint" error={feeErr} value={kronor(s.reminderFee)} />
          <label class="check">
            <input type="checkbox" name="lateInterest" value="on" checked={s.lateInterest.mode === 'reference_plus_8'} /> {m.lateInterest}
          </label>
          <div class="field">
            <label for="referenceRatePercent">{m.referenceRate}</label>
            <input id="referenceRatePercent" name="referenceRatePercent" inputmode="decimal"
              value={s.lateInterest.referenceRatePercent == null ? '' : String(s.lateInterest.referenceRatePercent).replace('.', ',')}
              aria-invalid={rateErr ? 'true' : undefined} aria-describedby={rateErr ? 'rate-error' : undefined} />
            {rateErr ? <p id="rate-error" class="error-text">{rateErr}</p> : null}
          </div>
          <div class="field">
            <label for="referenceRateDate">{m.referenceRateDate}</label>
            <input id="referenceRateDate" name="referenceRateDate" type="date" value={s.lateInterest.referenceRateDate ?? ''}
              aria-invalid={rateDateErr ? 'true' : undefined} aria-describedby={rateDateErr ? 'rate-date-error' : undefined} />
            {rateDateErr ? <p id="rate-date-error" class="error-text">{rateDateErr}</p> : null}
          </div>
        </fieldset>
        <button type="submit" class="primary">{m.save}</button>
      </form>
      <Suppressions c={c} {...suppressions} />
      <section aria-labelledby="logo-h">
        <h2 id="logo-h">{m.logo}</h2>
        {hasLogo ? <img src={`/app/settings/logo?v=${Date.now()}`} alt={`${m.logo} ${c.get('company')!.name}`} class="logo-preview" /> : <p class="muted">{m.noLogo}</p>}
        <FieldErrors errors={logoErrors} m={m} />
        <form method="post" action="/app/settings/logo" enctype="multipart/form-data" class="stack">
          <Csrf token={csrf} />
          <label for="logo">{m.uploadLogo}</label>
          <input id="logo" name="logo" type="file" accept="image/png,image/jpeg" required aria-describedby="logo-hint" />
          <p id="logo-hint" class="hint">{m.logoHint}</p>
          <button type="submit">{m.saveLogo}</button>
        </form>
        {hasLogo ? (
          <form method="post" action="/app/settings/logo/delete">
            <Csrf token={csrf} />
            <button type="submit" class="danger">{m.removeLogo}</button>
          </form>
        ) : null}
      </section>
    </Page>
  );
}

export function settingsRoutes(sql: Sql) {
  const app = new Hono<BoEnv>();

  async function show(c: BoContext, o: { s?: Settings; errors?: Errors; logoErrors?: Errors; status?: 200 | 422 } = {}) {
    const company = c.get('company')!;
    const api = c.get('api');
    const [settings, info, listed] = await Promise.all([
      o.s ? Promise.resolve({ data: o.s }) : api.get(`/v1/companies/${q(company.id)}/distribution-settings`),
      api.get(`/v1/companies/${q(company.id)}`),
      api.get<{ items: Suppression[] }>(`/v1/companies/${q(company.id)}/suppressions`),
    ]);
    const items = listed.ok ? listed.data.items : [];
    const numbers = await invoiceNumbers(sql, c, items.flatMap((x) => (x.invoiceId ? [x.invoiceId] : [])));
    return c.html(
      <SettingsPage c={c} s={settings.data} hasLogo={info.data.hasLogo} errors={o.errors ?? []} logoErrors={o.logoErrors ?? []} saved={c.req.query('saved') === '1'}
        suppressions={{ items, numbers, removed: c.req.query('removed') === '1' }} />,
      o.status ?? 200,
    );
  }

  app.use('/settings/*', async (c, next) => (c.get('company') ? next() : c.html(<Page c={c} title={c.get('m').navSettings} active="settings"><NoCompany m={c.get('m')} /></Page>)));
  app.use('/settings', async (c, next) => (c.get('company') ? next() : c.html(<Page c={c} title={c.get('m').navSettings} active="settings"><NoCompany m={c.get('m')} /></Page>)));

  app.get('/settings', (c) => show(c));

  app.post('/settings', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const s = {
      activeMethods: fields(form, 'activeMethods') as Method[],
      defaultMethod: (field(form, 'defaultMethod') || null) as Method | null,
      fallbackMethod: (field(form, 'fallbackMethod') || null) as Method | null,
      reminderDistribution: field(form, 'reminderDistribution') === 'on',
      undoWindowSeconds: numberOrText(field(form, 'undoWindowSeconds')),
      linkInvoiceToOrganization: field(form, 'linkInvoiceToOrganization') === 'on',
      bounceFallback: field(form, 'bounceFallback') === 'on',
      combineEnvelopes: field(form, 'combineEnvelopes') === 'on',
      reminderFee: oreOrText(field(form, 'reminderFee') || '0'),
      // Empty: no postage known (no estimate); else kronor as typed.
      postagePerLetter: field(form, 'postagePerLetter').trim() === '' ? null : oreOrText(field(form, 'postagePerLetter')),
      // Empty: no letter for an unread e-mail.
      unopenedLetterAfterBankDays: field(form, 'unopenedLetterAfterBankDays').trim() === '' ? null : numberOrText(field(form, 'unopenedLetterAfterBankDays')),
      lateInterest: {
        mode: field(form, 'lateInterest') === 'on' ? ('reference_plus_8' as const) : ('none' as const),
        referenceRatePercent: percentOrText(field(form, 'referenceRatePercent')),
        referenceRateDate: field(form, 'referenceRateDate') || null,
      },
    };
    const res = await c.get('api').put(`/v1/companies/${q(c.get('company')!.id)}/distribution-settings`, s);
    if (res.ok) return c.redirect('/app/settings?saved=1', 303);
    return show(c, { s, errors: res.data.errors ?? [{ path: '(settings)', message: res.data.detail }], status: 422 });
  });

  app.post('/settings/suppressions/delete', async (c) => {
    const email = field(await c.req.parseBody(), 'email');
    // Already gone (removed in another tab): the list shows what is left, as after a removal.
    await c.get('api').call('DELETE', `/v1/companies/${q(c.get('company')!.id)}/suppressions/${q(email)}`);
    return c.redirect('/app/settings?removed=1#suppressions', 303);
  });

  app.post('/settings/logo', async (c) => {
    const file = (await c.req.parseBody())['logo'];
    const bytes = file instanceof File ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0);
    const contentType = file instanceof File ? file.type : '';
    const res = await c.get('api').put(`/v1/companies/${q(c.get('company')!.id)}/logo`, { contentType, data: bytes.toString('base64') });
    if (res.ok) return c.redirect('/app/settings?saved=1', 303);
    return show(c, { logoErrors: res.data.errors ?? [{ path: 'logo', message: res.data.detail }], status: 422 });
  });

  app.post('/settings/logo/delete', async (c) => {
    await c.get('api').call('DELETE', `/v1/companies/${q(c.get('company')!.id)}/logo`);
    return c.redirect('/app/settings?saved=1', 303);
  });

  /** The logo's preview: the stored image, only ever PNG or JPEG (the API checked it decodes as one). */
  app.get('/settings/logo', async (c) => {
    const [row] = await sql`SELECT logo, logo_content_type FROM companies WHERE id = ${c.get('company')!.id} AND tenant_id = ${c.get('session').tenantId} AND logo IS NOT NULL`;
    if (!row) return c.notFound();
    return c.body(new Uint8Array(row.logo), 200, { 'content-type': row.logo_content_type, 'x-content-type-options': 'nosniff' });
  });

  return app;
}
