import path from 'node:path';
import { writePrivateFile } from '../platform/private-files.js';
import { inSpan } from '../platform/tracing.js';
import { isPermanentHttpStatus, PermanentDeliveryError } from './permanent-error.js';

/** The body of Kivra's `POST /v2/tenant/{tenantKey}/content` (schema Content_user_v2), as far as invoices use it. */
export interface KivraContent {
  ssn: string;
  subject: string;
  generated_at: string;
  type: 'invoice' | 'letter';
  parts: { name: string; data: string; content_type: 'application/pdf' }[];
  payment_multiple_options?: {
    payable: true;
    currency: 'SEK';
    method: '1';
    account: string;
    options: { due_date: string; amount: string; type: 'SE_OCR'; reference: string }[];
  };
}

export interface KivraChannel {
  /** False: no Kivra configured, content goes to the outbox folder and every person counts as a user. */
  readonly live: boolean;
  /** Whether the person may receive content from this tenant (Kivra user, not opted out). */
  isUser(tenantKey: string, ssn: string): Promise<boolean>;
  /** The Kivra users among many people, in one user match (a send preview asks about thousands at once). */
  usersAmong?(tenantKey: string, ssns: string[]): Promise<Set<string>>;
  /**
   * Sends one content. Kivra drops a second identical payload (its duplicate control), so a
   * retry with the same stored PDF and fields delivers once.
   */
  send(o: { deliveryId: string; tenantKey: string; content: KivraContent }): Promise<{ contentKey: string }>;
}

const USER_ANSWER_TTL_MS = 5 * 60_000;
const USER_ANSWERS_KEPT = 100_000;

export interface KivraConfig {
  url: string | null;
  clientId: string | null;
  clientSecret: string | null;
  outboxDir: string;
}

/** Kivra's sender API with OAuth2 client credentials when KIVRA_API_URL is set; the outbox otherwise. */
export function createKivraChannel(config: KivraConfig): KivraChannel {
  if (!config.url) return outboxChannel(config.outboxDir);
  if (!config.clientId || !config.clientSecret) throw new Error('KIVRA_API_URL is set, so KIVRA_CLIENT_ID and KIVRA_CLIENT_SECRET are needed too');
  const base = config.url.replace(/\/+$/, '');
  const basic = Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64');
  let token: { value: string; expiresAt: number } | null = null;

  async function accessToken(): Promise<string> {
    if (token && token.expiresAt > Date.now()) return token.value;
    const res = await fetch(`${base}/v1/auth`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(30_000),
    });
    const body = await answer(res, 'Kivra did not give us an access token');
    if (typeof body.access_token !== 'string') throw new Error('Kivra answered the token request without an access_token');
    // Tokens last eight hours; a minute's margin so none expires on the way.
    const seconds = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    token = { value: body.access_token, expiresAt: Date.now() + Math.max(0, seconds - 60) * 1000 };
    return token.value;
  }

  /** One authorised call; an expired token (401) is renewed once. */
  async function call(spanName: string, url: string, body: unknown, timeoutMs: number): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const res = await inSpan(spanName, { 'http.request.method': 'POST', 'url.full': url }, async () =>
        fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${await accessToken()}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        }));
      if (res.status !== 401 || attempt > 0) return res;
      await res.body?.cancel();
      token = null;
    }
  }

  const tenantPath = (tenantKey: string) => `${base}/v2/tenant/${encodeURIComponent(tenantKey)}`;
  // A billing run asks about many people once each; an answer is reused for a few minutes.
  const answers = new Map<string, { isUser: boolean; until: number }>();
  return {
    live: true,
    async isUser(tenantKey, ssn) {
      const cacheKey = `${tenantKey}:${ssn}`;
      const known = answers.get(cacheKey);
      if (known && known.until > Date.now()) return known.isUser;
      // Well inside the planning step's 30 s, so a slow Kivra is retried rather than timed out.
      const res = await call('POST kivra usermatch', `${tenantPath(tenantKey)}/usermatch/ssn`, { list: [ssn] }, 10_000);
      const body = await answer(res, 'Kivra could not say whether the customer is a Kivra user');
      const isUser = Array.isArray(body.list) && body.list.includes(ssn);
      if (answers.size >= USER_ANSWERS_KEPT) answers.clear();
      answers.set(cacheKey, { isUser, until: Date.now() + USER_ANSWER_TTL_MS });
      return isUser;
    },
    async usersAmong(tenantKey, ssns) {
      const users = new Set<string>();
      const unknown: string[] = [];
      for (const ssn of new Set(ssns)) {
        const known = answers.get(`${tenantKey}:${ssn}`);
        if (known && known.until > Date.now()) {
          if (known.isUser) users.add(ssn);
        } else unknown.push(ssn);
      }
      // Kivra takes about 500,000 numbers in one match; 10,000 a call keeps each answer quick.
      for (let i = 0; i < unknown.length; i += 10_000) {
        const list = unknown.slice(i, i + 10_000);
        const res = await call('POST kivra usermatch', `${tenantPath(tenantKey)}/usermatch/ssn`, { list }, 30_000);
        const body = await answer(res, 'Kivra could not say whether the customers are Kivra users');
        const matched = new Set(Array.isArray(body.list) ? (body.list as string[]) : []);
        if (answers.size + list.length >= USER_ANSWERS_KEPT) answers.clear();
        for (const ssn of list) {
          answers.set(`${tenantKey}:${ssn}`, { isUser: matched.has(ssn), until: Date.now() + USER_ANSWER_TTL_MS });
          if (matched.has(ssn)) users.add(ssn);
        }
      }
      return users;
    },
    async send({ tenantKey, content }) {
      const res = await call('POST kivra content', `${tenantPath(tenantKey)}/content`, content, 60_000);
      const body = await answer(res, 'Kivra refused the invoice');
      const contentKey = res.headers.get('kivra-objkey') ?? (typeof body.key === 'string' ? body.key : null);
      if (!contentKey) throw new Error('Kivra accepted the content without naming it (no kivra-objkey header)');
      return { contentKey };
    },
  };
}

function outboxChannel(outboxDir: string): KivraChannel {
  return {
    live: false,
    isUser: async () => true,
    usersAmong: async (_tenantKey, ssns) => new Set(ssns),
    async send({ deliveryId, tenantKey, content }) {
      await writePrivateFile(path.join(outboxDir, `${deliveryId}.json`), JSON.stringify({ tenantKey, content }, null, 2), { atomic: true });
      return { contentKey: `file:${deliveryId}` };
    },
  };
}

/**
 * Reads Kivra's answer: 2xx → its JSON (or nothing), 4xx → a permanent refusal in Kivra's own
 * words (code, short and long message), anything else → transient, so the activity retries.
 */
async function answer(res: Response, refusal: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    if (res.ok) throw new Error(`Kivra answered ${res.status} with a body that is not JSON`);
  }
  if (res.ok) return body;
  if (isPermanentHttpStatus(res.status)) {
    const said = [body.code, body.short_message, body.long_message].filter((v) => v != null && v !== '').join(' ');
    throw new PermanentDeliveryError(`${refusal} (HTTP ${res.status}${said ? `: ${String(said).slice(0, 300)}` : ''})`);
  }
  throw new Error(`Kivra is unavailable (HTTP ${res.status})`);
}
