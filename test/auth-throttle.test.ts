// Failed authentication is throttled per client address, yet behind a proxy or a NAT one client's
// wrong keys never lock out another's right one.
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService } from './helpers/service.js';
import { createApp } from '../api/app.js';
import { adminAuth } from '../api/auth.js';
import { AuthThrottle } from '../api/auth-throttle.js';
import { problemResponse, toProblem } from '../api/problem.js';

let h: Harness;
let key: string;
useTestService((s) => ({ h, key } = s));

afterEach(() => vi.useRealTimers());

describe('failed authentication', () => {
  it('20 wrong keys from one address: its wrong keys are answered 429 with Retry-After, a right key from it still passes', async () => {
    // Every in-process request comes from the same (unknown) address: one NAT, many clients.
    const app = createApp({ sql: h.sql, temporal: { client: h.client, taskQueue: h.taskQueue }, adminToken: 'admin-secret', starter: h.starter });
    const get = (bearer: string) => app.request('/v1/webhook-endpoints', { headers: { authorization: `Bearer ${bearer}` } });
    for (let i = 0; i < 20; i++) expect((await get(`idk_guess-${i}`)).status).toBe(401);

    const throttled = await get('idk_guess-20');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await throttled.json()) as { code: string }).code).toBe('too_many_requests');

    // The right key, between and after more wrong ones: never refused for them.
    for (let i = 0; i < 3; i++) {
      expect((await get(key)).status).toBe(200);
      expect((await get(`idk_more-${i}`)).status).toBe(429);
    }
    const noKey = await app.request('/v1/webhook-endpoints');
    expect(noKey.status).toBe(429);

    // Wrong API keys do not lock the admin out either: the admin token is counted apart.
    const admin = await app.request('/admin/tenants', {
      method: 'POST', headers: { authorization: 'Bearer admin-secret', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Behind the same NAT' }),
    });
    expect(admin.status).toBe(201);
  });

  it("the back office's sign-in form: wrong keys throttled to 429 after 20, the right key from the same address still signs in", async () => {
    const app = createApp({ sql: h.sql, temporal: { client: h.client, taskQueue: h.taskQueue }, adminToken: 'admin-secret', starter: h.starter });
    const page = await app.request('/app/sign-in');
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
    const signIn = (apiKey: string) =>
      app.request('/app/sign-in', { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, apiKey }).toString() });
    for (let i = 0; i < 20; i++) expect((await signIn(`idk_wrong-${i}`)).status).toBe(401);
    expect((await signIn('idk_wrong-20')).status).toBe(429);
    const right = await signIn(key);
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/app/invoices');
  });

  it('the admin token, chosen by the operator, is refused before comparison once its address is over the limit, for the window only', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const throttle = new AuthThrottle(3, 60_000);
    const app = new Hono().use('*', adminAuth('admin-secret', throttle)).get('/x', (c) => c.text('ok'));
    app.onError((err, c) => problemResponse(c, toProblem(err)));
    const get = (bearer: string) => app.request('/x', { headers: { authorization: `Bearer ${bearer}` } });
    for (let i = 0; i < 3; i++) expect((await get(`wrong-${i}`)).status).toBe(401);
    const refused = await get('admin-secret');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    vi.advanceTimersByTime(30_000);
    expect((await get('admin-secret')).headers.get('retry-after')).toBe('30');
    vi.advanceTimersByTime(30_001);
    expect((await get('admin-secret')).status).toBe(200);
  });
});
