/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { Sql } from '../../db/client.js';
import { tenantForApiKey } from '../../api/auth.js';
import type { AuthThrottle } from '../../api/auth-throttle.js';
import type { BoEnv, BoContext } from '../context.js';
import { field, readForm } from '../context.js';
import { Page } from '../layout.js';
import { createSession, endSession, newToken, sameToken, SESSION_COOKIE, SESSION_HOURS, SIGN_IN_CSRF_COOKIE } from '../session.js';

/** Cookies are Secure whenever the page was reached over HTTPS (directly or behind a proxy). */
export const isHttps = (c: BoContext) =>
  new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

function SignInPage({ c, csrf, error, status }: { c: BoContext; csrf: string; error?: string; status?: number }) {
  const m = c.get('m');
  void status;
  return (
    <Page c={c} title={m.signIn} active={null} signedIn={false}>
      <p>{m.signInLead}</p>
      {error ? (
        <p class="alert error" role="alert">
          {error}
        </p>
      ) : null}
      <form method="post" action="/app/sign-in" class="stack narrow">
        <input type="hidden" name="_csrf" value={csrf} />
        <label for="apiKey">{m.apiKey}</label>
        <input id="apiKey" name="apiKey" type="password" autocomplete="current-password" required maxlength={200} autofocus />
        <button type="submit" class="primary">
          {m.signIn}
        </button>
      </form>
    </Page>
  );
}

export function sessionRoutes(sql: Sql, throttle: AuthThrottle) {
  const app = new Hono<BoEnv>();

  const signInForm = (c: BoContext, error?: string, status: 200 | 400 | 401 | 403 | 429 = 200) => {
    const csrf = newToken();
    setCookie(c, SIGN_IN_CSRF_COOKIE, csrf, { httpOnly: true, sameSite: 'Strict', path: '/app', secure: isHttps(c), maxAge: 3600 });
    return c.html(<SignInPage c={c} csrf={csrf} error={error} />, status);
  };

  app.get('/sign-in', (c) => signInForm(c));

  app.post('/sign-in', async (c) => {
    const m = c.get('m');
    const form = await readForm(c);
    if (!form) return signInForm(c, m.formUnreadable, 400);
    const expected = getCookie(c, SIGN_IN_CSRF_COOKIE);
    if (!expected || !sameToken(field(form, '_csrf'), expected)) return signInForm(c, m.csrfRefused, 403);
    // The key first: a right key always signs in, whatever others behind the same address failed.
    const tenantId = await tenantForApiKey(sql, field(form, 'apiKey').trim());
    if (!tenantId) return throttle.wrongKey(c) ? signInForm(c, m.tooMany, 429) : signInForm(c, m.wrongKey, 401);
    const { token } = await createSession(sql, tenantId);
    deleteCookie(c, SIGN_IN_CSRF_COOKIE, { path: '/app' });
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true, sameSite: 'Strict', path: '/app', secure: isHttps(c), maxAge: SESSION_HOURS * 3600,
    });
    return c.redirect('/app/invoices', 303);
  });

  return app;
}

/** Sign-out runs behind the session and CSRF checks like any other form. */
export function signOutRoute(sql: Sql) {
  const app = new Hono<BoEnv>();
  app.post('/sign-out', async (c) => {
    await endSession(sql, c.get('session'));
    deleteCookie(c, SESSION_COOKIE, { path: '/app' });
    return c.redirect('/app/sign-in', 303);
  });
  return app;
}
