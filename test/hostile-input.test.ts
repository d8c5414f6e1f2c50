// Hostile input against every operation the service documents and every back-office form:
// wrong types, missing and extra fields, huge strings, deep nesting, NUL and lone surrogates,
// wrong methods and content types, odd path parameters. Generated with fast-check from a fixed
// seed, so a failure here fails the same way the next time. Whatever arrives: no answer is a 5xx,
// every API 4xx is problem+json, and a refused request leaves the database as it was.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService, type TestService } from './helpers/service.js';
import { tenantForApiKey } from '../api/auth.js';
import { createSession, readSession } from '../backoffice/session.js';
import { METHODS } from '../domain/methods.js';

let h: Harness;
let key: string;
let f: TestService['f'];
// No worker: an accepted send stays pending, so nothing changes the database behind a request's back.
useTestService((s) => ({ h, key, f } = s), { worker: false });

const SEED = 24_0107;
const RUNS = { body: 20, path: 6, query: 8, form: 24, page: 8 };
const VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

// ---------------------------------------------------------------------------------------------
// Values: a JSON value, or `Raw` JSON text (nesting too deep to build as an object, huge literals).

class Raw {
  constructor(readonly text: string) {}
}
type Value = unknown;

function toJson(v: Value): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

const nested = (n: number, arrays: boolean) => new Raw(arrays ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '0' + '}'.repeat(n));

const oddChar = fc.constantFrom('\u0000', '\ud800', '\udfff', '\ufffe', '\u202e', '\u200b', '\ufeff', '\n', '\r', '"', '\\', '<', '%', 'å', '💶');
const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.oneof(oddChar, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '', ' ', 'x'.repeat(100_000), 'å'.repeat(60_000), "'; DROP TABLE invoices; --", '../../etc/passwd', 'x@example.com\r\nBcc: y@example.com',
      '2026-02-30', '0000-01-01', '9999-12-31T99:99:99Z', 'NaN', '-0', '1e400', 'cmp_nope', 'inv_\u0000', '\ud83d', '%00', '${7*7}', '{{7*7}}', 'a\u0000b',
    ),
  },
);
const hostileValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.constantFrom<Value>(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, -2147483649, [], {}) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), hostileString, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 33, max: 10_000 }), fc.boolean()).map(([n, a]) => nested(n, a)) },
  { weight: 1, arbitrary: fc.constantFrom(new Raw(`1${'0'.repeat(400)}`), new Raw('-0.0e-99999')) },
);
const extraKey = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'tenantId', 'id', 'status', '\u0000', ''));

/** Every byte outside the unreserved set percent-encoded (a lone surrogate becomes U+FFFD's bytes). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');
/** Path segments as they arrive on the wire, already encoded (or deliberately mis-encoded). */
const oddSegment = fc.oneof(
  fc.constantFrom('%00', '%', '%zz', '%ED%A0%80', '%FF%FE', '..', '%2e%2e', '%2F', '%2F..%2F..%2Fetc%2Fpasswd', 'x'.repeat(10_000), '%20', 'inv_%00', 'null', '0', '-1', '1e400', "'", '%27%3B'),
  hostileString.map(pct),
);

// ---------------------------------------------------------------------------------------------
// The OpenAPI document: a plausible body for each operation, so one hostile field gets past the rest.

type Schema = Record<string, any>;
let doc: any;
const ids: Record<string, string> = {};

const resolve = (s: Schema | undefined): Schema => {
  let out = s ?? {};
  for (let i = 0; out.$ref && i < 10; i++) out = doc.components.schemas[String(out.$ref).split('/').pop()!] ?? {};
  return out;
};

function plausibleString(name: string, s: Schema): string {
  const n = name.toLowerCase();
  if (n.includes('company')) return ids.company;
  if (n.includes('person')) return ids.person;
  if (n.includes('organization')) return ids.organization;
  if (n.includes('invoice')) return ids.invoice;
  if (n.includes('template')) return ids.template;
  if (s.format === 'date' || n.endsWith('date') || n.endsWith('at')) return s.format === 'date-time' ? '2026-11-01T10:00:00Z' : '2026-11-01';
  if (s.format === 'email' || n.includes('email')) return 'x@example.com';
  if (s.format === 'uri' || n === 'url') return 'https://example.com/hook';
  return 'x'.repeat(Math.max(1, s.minLength ?? 1));
}

function plausible(schema: Schema | undefined, name = '', depth = 0): Value {
  const s = resolve(schema);
  if (depth > 6) return null;
  if (s.enum) return s.enum[0];
  if ('const' in s) return s.const;
  const options = s.anyOf ?? s.oneOf;
  if (options) return plausible(options.map(resolve).find((o: Schema) => o.type !== 'null') ?? options[0], name, depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((x: Schema) => plausible(x, name, depth + 1)));
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  if (type === 'string') return plausibleString(name, s);
  if (type === 'integer' || type === 'number') return s.minimum ?? (s.exclusiveMinimum != null ? s.exclusiveMinimum + 1 : 1);
  if (type === 'boolean') return false;
  if (type === 'array') return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => plausible(s.items, name.replace(/s$/, ''), depth + 1));
  if (type === 'object' || s.properties) {
    return Object.fromEntries((s.required ?? []).map((k: string) => [k, plausible(s.properties?.[k], k, depth + 1)]));
  }
  return null;
}

/** Every field path in a plausible body: where a mutation may land. */
function fieldPaths(v: Value, at: string[] = [], out: string[][] = []): string[][] {
  if (v && typeof v === 'object' && !(v instanceof Raw)) {
    for (const [k, x] of Object.entries(v)) {
      out.push([...at, k]);
      fieldPaths(x, [...at, k], out);
    }
  }
  return out;
}

type Mutation = { kind: 'set' | 'drop' | 'extra'; at: number; name: string; value: Value };
const mutation = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('set', 'set', 'set', 'drop', 'extra'),
  at: fc.nat(),
  name: extraKey,
  value: hostileValue,
});

function mutate(base: Value, ms: Mutation[]): Value {
  const body = structuredClone(base) as any;
  for (const m of ms) {
    const paths = fieldPaths(body);
    if (m.kind === 'extra' || !paths.length || !body || typeof body !== 'object') {
      if (body && typeof body === 'object') body[m.name] = m.value;
      continue;
    }
    const path = paths[m.at % paths.length];
    let parent = body;
    for (const k of path.slice(0, -1)) parent = parent[k];
    if (!parent || typeof parent !== 'object') continue;
    if (m.kind === 'drop') delete parent[path.at(-1)!];
    else parent[path.at(-1)!] = m.value;
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// Sending, and what every answer must be.

interface Case {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | FormData;
  note: string;
}

let tables: string[] = [];
let last = '';
const failures = new Map<string, { count: number; example: string }>();
let sent = 0;

/** Each table's row count and a digest of its rows: equal before and after means nothing changed. */
async function fingerprint(): Promise<string> {
  const rows = await h.sql.unsafe(
    tables.map((t) => `SELECT '${t}' AS t, count(*)::int AS n, md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) AS d FROM "${t}" r`).join(' UNION ALL '),
  );
  return rows.map((r) => `${r.t}:${r.n}:${r.d}`).join(' ');
}
const changedTables = (a: string, b: string) => {
  const before = new Set(a.split(' '));
  return b.split(' ').filter((x) => !before.has(x)).map((x) => x.split(':')[0]);
};

function fail(group: string, c: Case, why: string) {
  const k = `${group}: ${why}`;
  const entry = failures.get(k) ?? { count: 0, example: `${c.method} ${c.url.slice(0, 160)} [${c.note}] body=${String(c.body instanceof FormData ? '(form data)' : c.body ?? '').slice(0, 160)}` };
  entry.count++;
  failures.set(k, entry);
}

/**
 * Sends one request and checks the answer. `problem`: a 4xx must be RFC 9457 problem+json.
 * `group` names the operation in the failure list (the route, not the generated URL).
 */
async function check(group: string, c: Case, o: { problem: boolean }) {
  sent++;
  const before = last;
  let res: Response;
  let text: string;
  try {
    res = await h.app.request(c.url, { method: c.method, headers: c.headers, body: c.method === 'GET' || c.method === 'HEAD' ? undefined : c.body });
    text = await res.text();
    await h.starter.drain();
  } catch (e) {
    fail(group, c, `threw ${String((e as Error).message ?? e).slice(0, 100)}`);
    last = await fingerprint();
    return null;
  }
  last = await fingerprint();
  if (res.status >= 500) fail(group, c, `${res.status} ${text.slice(0, 140)}`);
  if (res.status >= 400 && res.status < 500) {
    if (o.problem) {
      let json: any = null;
      try {
        json = JSON.parse(text);
      } catch {
        // checked below
      }
      if (res.headers.get('content-type') !== 'application/problem+json' || json?.status !== res.status || !json?.type || !json?.title || !json?.code) {
        fail(group, c, `${res.status} is not problem+json (${res.headers.get('content-type')})`);
      }
    }
    if (last !== before) fail(group, c, `${res.status} but changed ${changedTables(before, last).join(', ')}`);
  }
  return { status: res.status, headers: res.headers, text };
}

function report(what: string) {
  const lines = [...failures].map(([k, v]) => `${k} ×${v.count}\n      e.g. ${v.example}`);
  if (lines.length) console.log(`${what}: ${failures.size} kinds of failure\n  ${lines.join('\n  ')}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------

interface Operation {
  method: string;
  path: string;
  auth: 'tenant' | 'admin' | 'none';
  bodyTypes: string[];
  bodySchema: Schema | undefined;
  query: { name: string; schema: Schema }[];
}

let ops: Operation[] = [];
let tenantId: string;
let emptyTenantId: string;

const authHeader = (op: Operation): Record<string, string> =>
  op.auth === 'tenant' ? { authorization: `Bearer ${key}` } : op.auth === 'admin' ? { authorization: `Bearer ${h.adminToken}` } : {};

/** A real id for `/v1/<kind>/{id}`, so bodies reach the route's own checks. */
function realId(path: string): string {
  const kind = /^\/v1\/([^/]+)\/\{id\}/.exec(path)?.[1];
  return { companies: ids.company, persons: ids.person, organizations: ids.organization, invoices: ids.invoice, 'send-runs': ids.run, 'webhook-endpoints': ids.webhook }[kind ?? ''] ?? 'x_nope';
}
const fill = (path: string, id: string) => path.replace(/\{[^}]+\}/g, id);

beforeAll(async () => {
  tables = (await h.sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`).map((r) => r.table_name as string);
  ids.company = await f.company({ activeMethods: ['email', 'own_printer'], defaultMethod: 'email', undoWindowSeconds: 600 });
  ids.otherCompany = await f.company({ activeMethods: ['email'], defaultMethod: 'email' }, { name: 'Simhallen AB' });
  ids.template = await f.template(ids.company);
  ids.person = await f.person();
  ids.organization = await f.organization();
  ids.invoice = (await f.invoice(ids.company, ids.person)).id;
  const sentInvoice = (await f.invoice(ids.company, ids.person)).id;
  const send = await h.request('POST', '/v1/invoices/send', { key, body: { invoiceIds: [sentInvoice] } });
  ids.run = send.json.runId;
  const hook = await h.request('POST', '/v1/webhook-endpoints', { key, body: { url: 'https://example.com/hook', events: ['invoice.sent'] } });
  ids.webhook = hook.json?.id ?? 'whe_nope';
  tenantId = (await tenantForApiKey(h.sql, key))!;
  emptyTenantId = (await tenantForApiKey(h.sql, await h.createTenant('Empty')))!;

  doc = (await h.request('GET', '/openapi.json')).json;
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!VERBS.includes(method.toUpperCase() as never)) continue;
      const security = JSON.stringify(op.security ?? doc.security ?? []);
      const content = op.requestBody?.content ?? {};
      ops.push({
        method: method.toUpperCase(),
        path,
        auth: security.includes('admin') ? 'admin' : security.includes('bearer') ? 'tenant' : 'none',
        bodyTypes: Object.keys(content),
        bodySchema: content['application/json']?.schema,
        query: (op.parameters ?? []).filter((p: any) => p.in === 'query').map((p: any) => ({ name: p.name, schema: p.schema ?? {} })),
      });
    }
  }
  last = await fingerprint();
});

describe('the cases of issue 24, answered as the API answers bad input', () => {
  it('10,000 nested arrays → 422 naming the depth limit; a wrong method → 405 with Allow; a refused form → its page', async () => {
    const before = await fingerprint();
    const deep = await h.request('POST', '/v1/persons', { key, rawBody: `{"name":${'['.repeat(10_000)}${']'.repeat(10_000)}}` });
    expect(deep.status).toBe(422);
    expect(deep.headers.get('content-type')).toBe('application/problem+json');
    expect(deep.json).toMatchObject({ code: 'validation_failed', detail: expect.stringContaining('32 levels') });
    expect(deep.json.errors[0]).toMatchObject({ path: expect.stringMatching(/^name(\.0)+$/), message: expect.stringContaining('32 levels') });

    for (const [method, path, allow] of [['POST', '/health', 'GET, HEAD'], ['POST', '/openapi.json', 'GET, HEAD'], ['GET', '/admin/tenants', 'POST'], ['PUT', '/v1/persons', 'POST']]) {
      const auth = { authorization: `Bearer ${path.startsWith('/admin') ? h.adminToken : key}` };
      const res = await h.request(method, path, method === 'GET' ? { headers: auth } : { rawBody: '[[[[]]]]', headers: { ...auth, 'content-type': 'text/plain' } });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
      expect(res.json).toMatchObject({ status: 405, code: 'method_not_allowed' });
    }

    // A back-office post with a stale CSRF token, from a browser: the page says why (it drew no company picker before).
    const session = await createSession(h.sql, tenantId);
    const form = await h.request('POST', '/app/settings', {
      rawBody: 'defaultMethod=email&_csrf=stale',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie: `bo_session=${session.token}` },
    });
    expect(form.status).toBe(403);
    expect(form.text).toContain('säkerhetstoken');
    const cut = await h.request('POST', '/app/invoices/send', {
      rawBody: '--zz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nx',
      headers: { 'content-type': 'multipart/form-data; boundary=zz', accept: 'text/html', cookie: `bo_session=${session.token}` },
    });
    expect(cut.status).toBe(400);
    await h.sql`DELETE FROM back_office_sessions WHERE tenant_id = ${tenantId}`;
    expect(await fingerprint()).toBe(before);
  });
});

describe('hostile input never gets a 5xx, and a refused request changes nothing', () => {
  it('every operation of the OpenAPI document: bodies, content types, path and query parameters', async () => {
    failures.clear();
    const start = sent;
    let i = 0;
    for (const op of ops) {
      i++;
      const group = `${op.method} ${op.path}`;
      const headers = authHeader(op);
      const hasId = op.path.includes('{');
      const url = fill(op.path, realId(op.path));
      const json = op.bodyTypes.includes('application/json');
      const raw = op.bodyTypes.filter((t) => t !== 'application/json');
      const base = json ? plausible(op.bodySchema) : undefined;
      const baseText = base === undefined ? undefined : toJson(base);

      if (op.bodyTypes.length) {
        const wrongType = fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16', 'application/vnd.api+json', 'message/rfc822', '', 'garbage/', 'application/octet-stream');
        const bodyCase = fc.oneof(
          { weight: json ? 6 : 0, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => ({ ct: 'application/json', text: toJson(mutate(base, ms)), note: 'mutated body' })) },
          { weight: json ? 1 : 0, arbitrary: hostileValue.map((v) => ({ ct: 'application/json', text: toJson(v), note: 'body of another type' })) },
          { weight: 1, arbitrary: fc.tuple(wrongType, fc.option(hostileString, { nil: undefined })).map(([ct, t]) => ({ ct, text: t ?? baseText ?? 'x', note: 'content type' })) },
          { weight: 1, arbitrary: fc.constantFrom('', '{', '{"a":1', '\u0000', '{"a":1}{"b":2}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\ufeff{}').map((text) => ({ ct: 'application/json', text, note: 'malformed' })) },
          { weight: raw.length ? 4 : 0, arbitrary: fc.tuple(fc.constantFrom(...(raw.length ? raw : ['text/plain'])), hostileString).map(([ct, text]) => ({ ct, text, note: 'raw document' })) },
        );
        for (const b of fc.sample(bodyCase, { seed: SEED + i, numRuns: RUNS.body })) {
          await check(group, { method: op.method, url, headers: { ...headers, ...(b.ct ? { 'content-type': b.ct } : {}) }, body: b.text, note: b.note }, { problem: true });
        }
        // Fixed: nesting far past any limit, at the top and in a field; a body too large; no content type.
        const ct = json ? 'application/json' : raw[0];
        const deepField = json && base && typeof base === 'object' && Object.keys(base).length ? toJson({ ...(base as object), [Object.keys(base)[0]]: nested(10_000, true) }) : toJson(nested(10_000, true));
        for (const [note, text, type] of [
          ['10,000 nested arrays', toJson(nested(10_000, true)), ct],
          ['10,000 nested objects', toJson(nested(10_000, false)), ct],
          ['10,000 nested arrays in a field', deepField, ct],
          ['5 MB body', `{"x":"${'x'.repeat(5_000_000)}"}`, ct],
          ['no content type', baseText ?? 'x', undefined],
        ] as const) {
          await check(group, { method: op.method, url, headers: { ...headers, ...(type ? { 'content-type': type } : {}) }, body: text, note }, { problem: true });
        }
      }

      if (hasId) {
        const pathCase = fc.tuple(oddSegment, fc.boolean());
        for (const [segment, withBody] of fc.sample(pathCase, { seed: SEED + 1000 + i, numRuns: RUNS.path })) {
          const body = op.bodyTypes.length && withBody ? baseText ?? 'x' : undefined;
          const type: Record<string, string> = body === undefined ? {} : { 'content-type': json ? 'application/json' : raw[0] };
          await check(group, { method: op.method, url: fill(op.path, segment), headers: { ...headers, ...type }, body, note: 'odd path parameter' }, { problem: true });
        }
        // Ids of other kinds, another company's, and a real id with trailing junk.
        for (const id of [ids.invoice, ids.person, ids.otherCompany, `${realId(op.path)}/..`, `${realId(op.path)}%00`]) {
          const type: Record<string, string> = op.bodyTypes.length ? { 'content-type': json ? 'application/json' : raw[0] } : {};
          await check(group, { method: op.method, url: fill(op.path, id), headers: { ...headers, ...type }, body: op.bodyTypes.length ? baseText ?? 'x' : undefined, note: 'id of another kind' }, { problem: true });
        }
      }

      if (op.query.length) {
        const queryCase = fc.array(
          fc.tuple(fc.oneof(fc.constantFrom(...op.query.map((q) => q.name)), extraKey.map(pct)), fc.oneof(oddSegment, hostileValue.map((v) => pct(typeof v === 'string' ? v : toJson(v)).slice(0, 20_000)))),
          { minLength: 1, maxLength: 4 },
        );
        for (const pairs of fc.sample(queryCase, { seed: SEED + 2000 + i, numRuns: RUNS.query })) {
          await check(group, { method: op.method, url: `${url}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`, headers, note: 'query' }, { problem: true });
        }
      }
    }
    const total = sent - start;
    console.log(`hostile input, API: ${ops.length} operations × ${Math.round(total / ops.length)} cases on average = ${total} requests`);
    expect(report('API operations')).toEqual([]);
  });

  it('a wrong method on every documented path → 405 with Allow (or 404), problem+json', async () => {
    failures.clear();
    const start = sent;
    const paths = [...new Set(ops.map((o) => o.path)), '/openapi.json', '/docs', '/metrics', '/health/live'];
    for (const path of paths) {
      const allowed = ops.filter((o) => o.path === path).map((o) => o.method);
      const op = ops.find((o) => o.path === path);
      const headers = op ? authHeader(op) : {};
      for (const method of VERBS.filter((m) => !allowed.includes(m) && !(allowed.length === 0 && m === 'GET'))) {
        const url = fill(path, op ? realId(path) : 'x');
        // `PATCH /v1/invoices/send` is `PATCH /v1/invoices/{id}` for the id "send": a route, not a wrong method.
        const routed = ops.some((o) => o.method === method && new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(url));
        const c: Case = { method, url, headers: { ...headers, 'content-type': 'application/json' }, body: '{}', note: 'wrong method' };
        const res = await check(`${method} ${path}`, c, { problem: true });
        if (!res || routed) continue;
        if (res.status !== 405 && res.status !== 404) fail(`${method} ${path}`, c, `wrong method answered ${res.status}`);
        if (res.status === 405) {
          const allow = (res.headers.get('allow') ?? '').split(/,\s*/);
          for (const m of allowed.length ? allowed : ['GET']) if (!allow.includes(m)) fail(`${method} ${path}`, c, `Allow "${allow}" lacks ${m}`);
        }
      }
    }
    const total = sent - start;
    console.log(`hostile input, wrong methods: ${paths.length} paths → ${total} requests`);
    expect(report('wrong methods')).toEqual([]);
  });

  it('every back-office form: incomplete, hostile, with odd sessions, CSRF tokens and companies', async () => {
    failures.clear();
    const start = sent;
    let session = await createSession(h.sql, tenantId);
    const empty = await createSession(h.sql, emptyTenantId);
    last = await fingerprint();

    const choice = (...v: string[]) => v;
    const forms: { path: string; fields: Record<string, string[]>; files?: boolean }[] = [
      {
        path: '/app/settings',
        fields: {
          activeMethods: [...METHODS], defaultMethod: ['email', ''], fallbackMethod: ['own_printer', ''], reminderDistribution: ['on'], undoWindowSeconds: ['60', '-5', '1e9', '99999999999999999999'],
          linkInvoiceToOrganization: ['on'], bounceFallback: ['on'], combineEnvelopes: ['on'], reminderFee: ['60', '49,50', '-1'], lateInterest: ['on'],
          referenceRatePercent: ['2,5', '', '1e400'], referenceRateDate: ['2026-07-01', '2026-02-30', ''],
        },
      },
      { path: '/app/settings/logo', fields: { logo: choice('file') }, files: true },
      { path: '/app/settings/logo/delete', fields: {} },
      { path: '/app/invoices/send', fields: { invoiceIds: [ids.invoice, 'inv_nope'], action: ['send', 'remind', 'explode'], templateId: [ids.template, 'tpl_nope', ''], back: ['/app/invoices', '//evil.example', 'javascript:alert(1)'] } },
      { path: '/app/invoices/{id}/credit', fields: { back: ['/app/invoices', '/app/x\r\nSet-Cookie: a=b'] } },
      { path: '/app/invoices/{id}/mark-paid', fields: { back: ['/app/invoices'] } },
      { path: '/app/invoices/{id}/email', fields: { email: ['x@example.com', '', 'not-an-email'] } },
      { path: '/app/customers/persons/{id}', fields: { distributionMethod: ['email', '', 'pigeon'], invoiceEmail: ['x@example.com', ''], personalIdentityNumber: ['19121212-1212', '', '123'] } },
      { path: '/app/customers/organizations/{id}', fields: { distributionMethod: ['e_invoice', ''], invoiceEmail: ['x@example.com'] } },
      { path: '/app/sign-out', fields: {} },
    ];
    const pathId = (p: string) => (p.includes('/customers/persons/') ? ids.person : p.includes('/customers/organizations/') ? ids.organization : ids.invoice);

    const formCase = fc.record({
      session: fc.constantFrom('valid', 'valid', 'valid', 'valid', 'empty tenant', 'none', 'forged', 'huge'),
      csrf: fc.constantFrom('right', 'right', 'right', 'header', 'wrong', 'missing'),
      type: fc.constantFrom('urlencoded', 'urlencoded', 'urlencoded', 'multipart', 'broken multipart', 'json', 'text', 'none'),
      accept: fc.constantFrom('text/html', 'text/html', 'application/json', ''),
      company: fc.constantFrom('none', 'none', 'unknown', 'other', 'cookie garbage'),
      id: fc.oneof({ weight: 3, arbitrary: fc.constant('real') }, { weight: 1, arbitrary: oddSegment }),
      fields: fc.array(fc.tuple(fc.nat(), fc.oneof({ weight: 2, arbitrary: fc.nat().map((n) => ({ pick: n })) }, { weight: 2, arbitrary: hostileString.map((s) => ({ text: s.slice(0, 20_000) })) }, { weight: 1, arbitrary: fc.constant({ omit: true }) })), { maxLength: 8 }),
      extra: fc.array(fc.tuple(extraKey, hostileString.map((s) => s.slice(0, 1000))), { maxLength: 2 }),
    });

    let fi = 0;
    for (const form of forms) {
      fi++;
      const names = Object.keys(form.fields);
      for (const k of fc.sample(formCase, { seed: SEED + 3000 + fi, numRuns: RUNS.form })) {
        const token = k.session === 'valid' ? session.token : k.session === 'empty tenant' ? empty.token : k.session === 'forged' ? 'forged-token' : k.session === 'huge' ? 'x'.repeat(4000) : null;
        const csrfToken = k.session === 'empty tenant' ? empty.csrfToken : session.csrfToken;
        const entries: [string, string | File][] = [];
        // Each field chosen at most as the case says: a plausible value, a hostile string, or left out.
        const chosen = new Map<string, { pick?: number; text?: string; omit?: boolean }>();
        for (const [n, v] of k.fields) if (names.length) chosen.set(names[n % names.length], v);
        for (const name of names) {
          const v = chosen.get(name) ?? { pick: 0 };
          if (v.omit) continue;
          if (form.files && name === 'logo') {
            entries.push([name, new File([v.text ?? '\x89PNG\r\n\x1a\n'], 'logo.png', { type: v.pick === 1 ? 'image/jpeg' : 'image/png' })]);
          } else entries.push([name, v.text ?? form.fields[name][(v.pick ?? 0) % form.fields[name].length]]);
        }
        entries.push(...k.extra);
        if (k.csrf === 'right') entries.push(['_csrf', csrfToken]);
        if (k.csrf === 'wrong') entries.push(['_csrf', 'not-the-token']);
        const headers: Record<string, string> = {};
        if (k.csrf === 'header') headers['x-csrf-token'] = csrfToken;
        if (k.accept) headers.accept = k.accept;
        const cookies = [token ? `bo_session=${token}` : '', k.company === 'cookie garbage' ? 'bo_company=%00%zz' : ''].filter(Boolean);
        if (cookies.length) headers.cookie = cookies.join('; ');
        let body: string | FormData | undefined;
        if (k.type === 'urlencoded') {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          body = new URLSearchParams(entries.map(([n, v]): [string, string] => [n, typeof v === 'string' ? v : 'file'])).toString();
        } else if (k.type === 'multipart') {
          const fd = new FormData();
          for (const [n, v] of entries) fd.append(n, v);
          body = fd;
        } else if (k.type === 'broken multipart') {
          headers['content-type'] = 'multipart/form-data; boundary=zzz';
          body = `--zzz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrfToken}\r\n--zz`;
        } else if (k.type === 'json') {
          headers['content-type'] = 'application/json';
          body = JSON.stringify(Object.fromEntries(entries.map(([n, v]) => [n, typeof v === 'string' ? v : 'file'])));
        } else if (k.type === 'text') {
          headers['content-type'] = 'text/plain';
          body = entries.map(([n, v]) => `${n}=${typeof v === 'string' ? v : 'file'}`).join('\n');
        }
        const query = k.company === 'unknown' ? '?company=cmp_nope' : k.company === 'other' ? `?company=${ids.otherCompany}` : '';
        const url = fill(form.path, k.id === 'real' ? pathId(form.path) : k.id) + query;
        await check(`POST ${form.path}`, { method: 'POST', url, headers, body, note: `${k.session} session, ${k.csrf} csrf, ${k.type}, company ${k.company}` }, { problem: false });
        // A sign-out that worked ended the session the next cases use.
        if (!(await readSession(h.sql, session.token))) {
          session = await createSession(h.sql, tenantId);
          last = await fingerprint();
        }
      }
    }

    // The pages' own forms (filters, the language switch) and their path parameters.
    const pages = ['/app/invoices', '/app/customers', '/app/runs', '/app/reminders', '/app/print-batches', '/app/settings', '/app/lang', '/app/invoices/{id}', '/app/runs/{id}', '/app/runs/{id}/progress', '/app/documents/{id}', '/app/customers/persons/{id}', '/app/print-batches/{id}.pdf', '/app/settings/logo'];
    const pageCase = fc.record({
      id: oddSegment,
      query: fc.array(fc.tuple(fc.constantFrom('q', 'status', 'company', 'to', 'back', 'cursor', 'saved'), oddSegment), { maxLength: 3 }),
      session: fc.constantFrom('valid', 'valid', 'empty tenant', 'none'),
    });
    let pi = 0;
    for (const page of pages) {
      pi++;
      for (const k of fc.sample(pageCase, { seed: SEED + 4000 + pi, numRuns: RUNS.page })) {
        const token = k.session === 'valid' ? session.token : k.session === 'empty tenant' ? empty.token : null;
        const headers: Record<string, string> = { accept: 'text/html', ...(token ? { cookie: `bo_session=${token}` } : {}) };
        const url = fill(page, k.id) + (k.query.length ? `?${k.query.map(([n, v]) => `${n}=${v}`).join('&')}` : '');
        await check(`GET ${page}`, { method: 'GET', url, headers, note: `${k.session} session` }, { problem: false });
      }
    }
    const total = sent - start;
    console.log(`hostile input, back office: ${forms.length} forms × ${RUNS.form} cases + ${pages.length} pages × ${RUNS.page} cases = ${total} requests`);
    expect(report('back office')).toEqual([]);
  });

  // Last: failed authentications are throttled for a minute, which would turn every later case into a 429.
  it('without credentials, with wrong ones, and hostile sign-ins', async () => {
    failures.clear();
    const start = sent;
    for (const op of ops.filter((o) => o.auth !== 'none')) {
      const type = op.bodyTypes[0] ?? 'application/json';
      const c: Case = { method: op.method, url: fill(op.path, realId(op.path)), headers: { authorization: `Bearer ${'x'.repeat(300)}`, 'content-type': type }, body: op.bodyTypes.length ? (type === 'application/json' ? '{}' : 'x') : undefined, note: 'wrong key' };
      const res = await check(`${op.method} ${op.path}`, c, { problem: true });
      if (res && res.status !== 401 && res.status !== 429) fail(`${op.method} ${op.path}`, c, `no credentials answered ${res.status}`);
    }
    const signIn = fc.record({ apiKey: hostileString.map((s) => s.slice(0, 5000)), csrf: fc.constantFrom('cookie', 'wrong', 'none'), type: fc.constantFrom('urlencoded', 'broken multipart', 'json') });
    for (const k of fc.sample(signIn, { seed: SEED + 5000, numRuns: RUNS.form })) {
      const headers: Record<string, string> = { accept: 'text/html', cookie: k.csrf === 'none' ? '' : 'bo_signin_csrf=abc' };
      let body: string;
      if (k.type === 'urlencoded') {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams({ apiKey: k.apiKey, _csrf: k.csrf === 'cookie' ? 'abc' : 'zzz' }).toString();
      } else if (k.type === 'json') {
        headers['content-type'] = 'application/json';
        body = JSON.stringify({ apiKey: k.apiKey, _csrf: 'abc' });
      } else {
        headers['content-type'] = 'multipart/form-data; boundary=zzz';
        body = '--zzz\r\nContent-Disposition: form-data; name="apiKey"\r\n\r\nx';
      }
      await check('POST /app/sign-in', { method: 'POST', url: '/app/sign-in', headers, body, note: `${k.type}, csrf ${k.csrf}` }, { problem: false });
    }
    console.log(`hostile input, credentials: ${sent - start} requests; in all ${sent} requests`);
    expect(report('credentials')).toEqual([]);
  });
});
