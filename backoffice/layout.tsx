/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { BoContext } from './context.js';
import type { Messages } from './i18n.js';

type Section = 'invoices' | 'reminders' | 'runs' | 'failures' | 'customers' | 'print' | 'settings' | null;

export const Csrf = ({ token }: { token: string }) => <input type="hidden" name="_csrf" value={token} />;

/** Field errors from the API's problem answer, shown above the form and beside each field. */
export function FieldErrors({ errors, m }: { errors: { path: string; message: string }[]; m: Messages }) {
  if (!errors.length) return null;
  return (
    <div class="alert error" role="alert">
      <p>{m.fixErrors}</p>
      <ul>
        {errors.map((e) => (
          <li>
            <code>{e.path}</code>: {e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function errorFor(errors: { path: string; message: string }[], path: string) {
  const hit = errors.filter((e) => e.path === path || e.path.startsWith(`${path}.`));
  return hit.length ? hit.map((e) => e.message).join('; ') : null;
}

function Nav({ c, active }: { c: BoContext; active: Section }) {
  const m = c.get('m');
  const items: [Section, string, string][] = [
    ['invoices', '/app/invoices', m.navInvoices],
    ['reminders', '/app/reminders', m.navReminders],
    ['runs', '/app/runs', m.navRuns],
    ['failures', '/app/failures', m.navFailures],
    ['customers', '/app/customers', m.navCustomers],
    ['print', '/app/print-batches', m.navPrint],
    ['settings', '/app/settings', m.navSettings],
  ];
  return (
    <nav aria-label={m.mainMenu}>
      <ul>
        {items.map(([key, href, label]) => (
          <li>
            <a href={href} aria-current={key === active ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function CompanyPicker({ c }: { c: BoContext }) {
  const m = c.get('m');
  // A refusal (a CSRF token, an unreadable form) is drawn before the companies are read: none shown.
  const companies = c.get('companies') ?? [];
  const current = c.get('company') ?? null;
  if (companies.length < 2) return current ? <span class="company-name">{current.name}</span> : null;
  return (
    <form method="get" action={c.req.path} class="company-picker">
      <label for="company-select">{m.company}</label>
      <select id="company-select" name="company" data-autosubmit>
        {companies.map((co) => (
          <option value={co.id} selected={co.id === current?.id}>
            {co.name}
          </option>
        ))}
      </select>
      <button type="submit">{m.choose}</button>
    </form>
  );
}

/** The page shell: header with company and language, navigation, main content. */
export function Page(props: { c: BoContext; title: string; active: Section; children?: Child; signedIn?: boolean }) {
  const { c } = props;
  const m = c.get('m');
  const lang = c.get('lang');
  const signedIn = props.signedIn ?? true;
  const back = c.req.path + (new URL(c.req.url).search || '');
  return (
    <>
    {raw('<!doctype html>')}
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} – ${m.appName}`}</title>
        <link rel="stylesheet" href="/app/assets/app.css" />
        <script src="/app/assets/app.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          {m.skip}
        </a>
        <header class="top">
          <span class="brand">{m.appName}</span>
          {signedIn ? <CompanyPicker c={c} /> : null}
          <a class="lang" href={`/app/lang?to=${m.otherLang}&back=${encodeURIComponent(back)}`} lang={m.otherLang}>
            {m.language}
          </a>
          {signedIn ? (
            <form method="post" action="/app/sign-out" class="sign-out">
              <Csrf token={c.get('session').csrfToken} />
              <button type="submit">{m.signOut}</button>
            </form>
          ) : null}
        </header>
        {signedIn ? <Nav c={c} active={props.active} /> : null}
        <main id="main">
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
    </>
  );
}

/** Shown when a page needs a company and the tenant has none. */
export const NoCompany = ({ m }: { m: Messages }) => <p class="alert">{m.noCompanies}</p>;
