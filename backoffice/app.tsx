/** @jsxImportSource hono/jsx */
// The back office at /app: server-rendered pages over the same API integrators use.
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Sql } from '../db/client.js';
import type { AuthThrottle } from '../api/auth-throttle.js';
import { problemResponse, ProblemError } from '../api/problem.js';
import { BackOfficeApi } from './api-client.js';
import { field, localPath, readForm, type BoContext, type BoEnv } from './context.js';
import { LANG_COOKIE, langOf, messages } from './i18n.js';
import { Page } from './layout.js';
import { readSession, sameToken, SESSION_COOKIE } from './session.js';
import { isHttps, sessionRoutes, signOutRoute } from './routes/session.js';
import { invoiceListRoutes } from './routes/invoices.js';
import { invoicePageRoutes } from './routes/invoice-page.js';
import { sendRunRoutes } from './routes/send-runs.js';
import { failureRoutes } from './routes/failures.js';
import { reminderRoutes } from './routes/reminders.js';
import { settingsRoutes } from './routes/settings.js';
import { customerRoutes } from './routes/customers.js';
import { printBatchRoutes } from './routes/print-batches.js';

const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
const ASSETS: Record<string, { body: string; type: string }> = {
  'app.css': { body: asset('app.css'), type: 'text/css; charset=utf-8' },
  'app.js': { body: asset('app.js'), type: 'text/javascript; charset=utf-8' },
};

// Every script and style comes from this service; nothing inline, nothing from elsewhere.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

type Requester = ConstructorParameters<typeof BackOfficeApi>[0];

/** Browsers get a page they can act on; anything else gets problem+json, as from the API. */
export function refuse(c: BoContext, status: 400 | 401 | 403 | 404 | 422 | 500, detail: string) {
  if (!(c.req.header('accept') ?? '').includes('text/html')) {
    const code = { 400: 'malformed_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 422: 'validation_failed', 500: 'internal_error' }[status];
    return problemResponse(c, new ProblemError(status, code, c.get('m').error, detail));
  }
  const m = c.get('m');
  const signedIn = Boolean(c.get('session'));
  return c.html(
    <Page c={c} title={status === 404 ? m.notFound : m.error} active={null} signedIn={signedIn}>
      <p class="alert error" role="alert">
        {detail}
      </p>
      <p>
        <a href={signedIn ? '/app/invoices' : '/app/sign-in'}>{signedIn ? m.back : m.signIn}</a>
      </p>
    </Page>,
    status,
  );
}

export function backOffice(deps: { sql: Sql; api: Requester; throttle: AuthThrottle; log?: (m: string) => void }) {
  const { sql } = deps;
  const app = new Hono<BoEnv>();

  app.use('*', async (c, next) => {
    const lang = langOf(getCookie(c, LANG_COOKIE));
    c.set('lang', lang);
    c.set('m', messages[lang]);
    await next();
    c.res.headers.set('content-security-policy', CSP);
    c.res.headers.set('cache-control', 'no-store');
  });

  app.get('/assets/:name', (c) => {
    const a = ASSETS[c.req.param('name')];
    if (!a) return refuse(c, 404, c.get('m').notFound);
    return c.body(a.body, 200, { 'content-type': a.type });
  });

  app.get('/lang', (c) => {
    setCookie(c, LANG_COOKIE, langOf(c.req.query('to')), { sameSite: 'Strict', path: '/app', secure: isHttps(c), maxAge: 365 * 86400 });
    return c.redirect(localPath(c.req.query('back'), '/app/invoices'), 303);
  });

  app.route('/', sessionRoutes(sql, deps.throttle));

  // Everything below needs a session; every form post also its CSRF token.
  app.use('*', async (c, next) => {
    const session = await readSession(sql, getCookie(c, SESSION_COOKIE));
    if (!session) {
      if (c.req.method === 'GET') return c.redirect('/app/sign-in', 303);
      return refuse(c, 401, c.get('m').sessionEnded);
    }
    c.set('session', session);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      // Read once here: a form that does not parse is refused before any route reads it.
      const form = await readForm(c);
      if (!form) return refuse(c, 400, c.get('m').formUnreadable);
      const token = c.req.header('x-csrf-token') ?? field(form, '_csrf');
      if (!sameToken(token, session.csrfToken)) return refuse(c, 403, c.get('m').csrfRefused);
    }
    c.set('api', new BackOfficeApi(deps.api, session.tenantId, c.get('requestId')));
    const companies = (await sql`SELECT id, name FROM companies WHERE tenant_id = ${session.tenantId} ORDER BY name, id`) as unknown as { id: string; name: string }[];
    const wanted = c.req.query('company') ?? getCookie(c, 'bo_company');
    const company = companies.find((co) => co.id === wanted) ?? companies[0] ?? null;
    if (c.req.query('company') && company?.id === wanted) {
      setCookie(c, 'bo_company', company.id, { httpOnly: true, sameSite: 'Strict', path: '/app', secure: isHttps(c) });
    }
    c.set('companies', companies);
    c.set('company', company);
    await next();
  });

  app.get('/', (c) => c.redirect('/app/invoices', 303));
  app.route('/', signOutRoute(sql));
  app.route('/', invoiceListRoutes(sql));
  app.route('/', invoicePageRoutes());
  app.route('/', sendRunRoutes(sql));
  app.route('/', failureRoutes());
  app.route('/', reminderRoutes(sql));
  app.route('/', settingsRoutes(sql));
  app.route('/', customerRoutes(sql));
  app.route('/', printBatchRoutes());

  app.notFound((c) => refuse(c, 404, `${c.get('m').notFound}: ${c.req.path}`));
  app.onError((err, c) => {
    deps.log?.(`back office error on ${c.req.method} ${c.req.path}: ${String((err as Error).stack ?? err)}`);
    return refuse(c, 500, c.get('m').error);
  });
  return app;
}
