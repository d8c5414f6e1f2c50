// A local Kivra for the tests: the sender API's auth, user match and content endpoints, checking
// every body against the schemas of Kivra's published OpenAPI description
// (../shared/formats/kivra/swagger.yml), with Kivra's duplicate control (the same payload but
// for `generated_at` is delivered once).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KIVRA_SWAGGER = path.resolve(repoRoot, '..', 'shared', 'formats', 'kivra', 'swagger.yml');

/** The swagger's component schemas as JSON Schema 2020-12 (references outside the file accept anything). */
function kivraValidators() {
  const spec = parse(readFileSync(KIVRA_SWAGGER, 'utf8'));
  const defs = JSON.parse(
    JSON.stringify(spec.components.schemas).replace(/"#\/components\/schemas\//g, '"#/$defs/'),
    (_k, v) => (v && typeof v === 'object' && typeof v.$ref === 'string' && !v.$ref.startsWith('#') ? {} : v),
  );
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  // Only the schemas a root reaches: a few elsewhere in the file are not valid JSON Schema.
  const reachable = (root: string) => {
    const names = new Set<string>();
    const visit = (name: string) => {
      if (names.has(name)) return;
      names.add(name);
      for (const [, ref] of JSON.stringify(defs[name]).matchAll(/"#\/\$defs\/([^"]+)"/g)) visit(ref);
    };
    visit(root);
    return Object.fromEntries([...names].map((n) => [n, defs[n]]));
  };
  const compile = (name: string) => ajv.compile<any>({ $defs: reachable(name), $ref: `#/$defs/${name}` });
  return { content: compile('Content_user_v2'), userMatch: compile('UserMatchV2SSN'), contentFields: new Set(Object.keys(defs.Content_user_v2.properties)) };
}

export interface KivraDelivery {
  tenantKey: string;
  key: string;
  body: Record<string, any>;
}

export async function startKivraStandIn(o: { clientId: string; clientSecret: string; tenantKey: string; users: string[] }) {
  const validate = kivraValidators();
  const tokens = new Set<string>();
  const seen = new Map<string, string>(); // payload hash → content key
  const delivered: KivraDelivery[] = [];
  const requests: { method: string; path: string; authorization: string | undefined; body: string; status?: number }[] = [];
  const state = {
    /** Accept the next N contents, then answer 503 as if the connection broke after delivery. */
    failAfterAccepting: 0,
    /** Refuse the next content with this Kivra error. */
    refuse: null as null | { status: number; code: number; short_message: string; long_message: string },
    users: new Set(o.users),
    /** Until this instant every content post is answered 503 (nothing delivered). */
    unavailableUntil: 0,
    /** Problems found in bodies we were sent: a correct client leaves this empty. */
    schemaErrors: [] as string[],
  };

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const kivraError = (res: ServerResponse, status: number, code: number, short_message: string, long_message = short_message) =>
    send(res, status, { code, short_message, long_message }, { 'x-error-code': String(code) });

  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const entry: (typeof requests)[number] = { method: req.method!, path: req.url!, authorization: req.headers.authorization, body: text };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));

    if (req.method === 'POST' && req.url === '/v1/auth') {
      const expected = `Basic ${Buffer.from(`${o.clientId}:${o.clientSecret}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return kivraError(res, 401, 40104, 'Invalid Client', 'Client authentication failed');
      if (new URLSearchParams(text).get('grant_type') !== 'client_credentials') return kivraError(res, 400, 40001, 'Invalid Request');
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      return send(res, 200, { state: '', access_token: token, expires_in: 28800, scope: `kivra.v1.tenant.${o.tenantKey}.*`, token_type: 'bearer' });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer)) return kivraError(res, 401, 40015, 'Invalid Token', 'Invalid access_token provided');
    const m = /^\/v2\/tenant\/([^/]+)\/(usermatch\/ssn|content)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) return kivraError(res, 404, 40400, 'Not found');
    if (m[1] !== o.tenantKey) return kivraError(res, 404, 40400, 'Not found', 'No such tenant');
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      return kivraError(res, 400, 40008, 'Unprocessable Entity');
    }

    if (m[2] === 'usermatch/ssn') {
      if (!validate.userMatch(body)) {
        state.schemaErrors.push(JSON.stringify(validate.userMatch.errors));
        return kivraError(res, 400, 40000, 'Request validation failed');
      }
      return send(res, 200, { list: body.list.filter((ssn: string) => state.users.has(ssn)) });
    }

    const unknown = Object.keys(body).filter((k) => !validate.contentFields.has(k));
    if (!validate.content(body) || unknown.length) {
      state.schemaErrors.push(JSON.stringify(validate.content.errors ?? `unknown fields ${unknown.join(', ')}`));
      return kivraError(res, 400, 40000, 'Request validation failed', JSON.stringify(validate.content.errors ?? unknown));
    }
    if (Date.now() < state.unavailableUntil) return kivraError(res, 503, 50300, 'Service Unavailable');
    if (state.refuse) {
      const r = state.refuse;
      state.refuse = null;
      return kivraError(res, r.status, r.code, r.short_message, r.long_message);
    }
    if (!state.users.has(body.ssn)) return kivraError(res, 400, 40032, "User doesn't exist", 'No user exists with provided SSN');
    const { generated_at: _ignored, ...compared } = body;
    const hash = createHash('sha256').update(JSON.stringify(compared)).digest('hex');
    let key = seen.get(hash);
    if (!key) {
      key = randomBytes(20).toString('hex');
      seen.set(hash, key);
      delivered.push({ tenantKey: m[1], key, body });
    }
    if (state.failAfterAccepting > 0) {
      state.failAfterAccepting--;
      return kivraError(res, 503, 50300, 'Service Unavailable');
    }
    return send(res, 201, {}, { 'kivra-objkey': key, location: `/v2/tenant/${m[1]}/content/${key}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    delivered,
    requests,
    state,
    /** Every token issued so far stops working (as after eight hours). */
    expireTokens: () => tokens.clear(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
