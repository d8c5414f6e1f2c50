// Where a webhook may go: never to this machine, the private network or the cloud's metadata
// service (server-side request forgery). The host is resolved once, every address it resolves to
// is checked, and the connection is made to a checked address — so a DNS answer that changes
// between the check and the connection (rebinding) cannot redirect it. Redirects are never
// followed. WEBHOOK_ALLOW_PRIVATE_TARGETS (local runs, tests) lifts the address and https rules.
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { loadConfig } from '../config.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface WebhookTargetPolicy {
  /** The operator's WEBHOOK_ALLOW_PRIVATE_TARGETS: loopback and private addresses, and plain http, are allowed. */
  allowPrivate: boolean;
  /** How a host name is resolved; the system resolver (getaddrinfo) unless a test gives its own. */
  resolve?: (host: string) => Promise<ResolvedAddress[]>;
}

/** The policy the environment sets (read at each use, so every process follows its own environment). */
export function webhookTargetPolicy(env: NodeJS.ProcessEnv = process.env): WebhookTargetPolicy {
  return { allowPrivate: loadConfig(env).webhookAllowPrivateTargets };
}

// Each range with the words a refusal uses. IPv4 rules also match the IPv4-mapped IPv6 form
// (::ffff:a.b.c.d) in node's BlockList; other IPv6 forms that carry an IPv4 address are unwrapped below.
const RANGES: { what: string; v4?: [string, number][]; v6?: [string, number][] }[] = [
  { what: 'an unspecified address', v4: [['0.0.0.0', 8]], v6: [['::', 128]] },
  { what: 'a loopback address (this machine)', v4: [['127.0.0.0', 8]], v6: [['::1', 128]] },
  { what: 'a private address (RFC 1918)', v4: [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16]] },
  { what: 'the cloud metadata address', v4: [['169.254.169.254', 32]], v6: [['fd00:ec2::254', 128]] },
  { what: 'a link-local address', v4: [['169.254.0.0', 16]], v6: [['fe80::', 10]] },
  { what: 'a shared (carrier-grade NAT) address', v4: [['100.64.0.0', 10]] },
  { what: 'a unique-local IPv6 address', v6: [['fc00::', 7]] },
  { what: 'a site-local IPv6 address', v6: [['fec0::', 10]] },
  { what: 'a multicast address', v4: [['224.0.0.0', 4]], v6: [['ff00::', 8]] },
  { what: 'a reserved or broadcast address', v4: [['240.0.0.0', 4]] },
];
const LISTS = RANGES.map((r) => {
  const list = new BlockList();
  for (const [net, prefix] of r.v4 ?? []) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of r.v6 ?? []) list.addSubnet(net, prefix, 'ipv6');
  return { what: r.what, list };
});

/** The 16 bytes of an IPv6 address (dotted IPv4 tail allowed), or null. */
function ipv6Bytes(ip: string): number[] | null {
  let s = ip;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    if (isIP(dotted[2]) !== 4) return null;
    tail.push(...dotted[2].split('.').map(Number));
    s = dotted[1] + '0:0';
  }
  const [head, rest] = s.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').filter((g) => g !== '') : []);
  const h = groups(head);
  const r = rest === undefined ? [] : groups(rest);
  const fill = s.includes('::') ? 8 - h.length - r.length : 0;
  const all = [...h, ...Array(fill).fill('0'), ...r];
  if (all.length !== 8) return null;
  const bytes = all.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** The IPv4 address an IPv6 address carries (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96), or null. */
function embeddedIpv4(ip6: string): string | null {
  const b = ipv6Bytes(ip6);
  if (!b) return null;
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const mapped = zero(0, 10) && b[10] === 0xff && b[11] === 0xff;
  const compatible = zero(0, 12) && !zero(12, 16) && !(zero(12, 15) && b[15] === 1); // ::a.b.c.d, not :: or ::1
  const nat64 = b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12);
  return mapped || compatible || nat64 ? b.slice(12).join('.') : null;
}

/**
 * Why this IP address is not a public one webhooks may reach (`"a loopback address (this
 * machine)"`), or null when it is public.
 */
export function privateAddressKind(ip: string): string | null {
  const address = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, ''); // brackets of a URL host, an IPv6 zone
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) {
      const kind = privateAddressKind(v4);
      return kind && `an IPv6 form of ${v4}, ${kind}`;
    }
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return LISTS.find((l) => l.list.check(address, type))?.what ?? null;
}

/** A URL's host without the brackets of an IPv6 literal. */
const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');
const isLocalName = (host: string) => /^(localhost|.+\.localhost)\.?$/i.test(host); // RFC 6761: always this machine

/** What may be said about the URL without resolving anything: its scheme, a literal address, a local name. */
function refusalWithoutLookup(url: URL, policy: WebhookTargetPolicy): string | null {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `the URL is ${url.protocol.slice(0, -1)}, not https`;
  if (policy.allowPrivate) return null;
  if (url.protocol !== 'https:') return 'the URL is plain http, not https';
  const host = bareHost(url);
  if (isLocalName(host)) return `${host} names this machine`;
  if (isIP(host)) {
    const kind = privateAddressKind(host);
    if (kind) return `${host} is ${kind}`;
  }
  return null;
}

const systemResolve = async (host: string): Promise<ResolvedAddress[]> =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export type TargetCheck =
  | { ok: true; url: URL; addresses: ResolvedAddress[] }
  | { ok: false; refused: string }
  | { ok: false; unresolved: string };

/**
 * Resolves the URL's host once and checks every address it names. `addresses` are the ones to
 * connect to (a literal's own); `refused` says in words why the target may not be called;
 * `unresolved` that the name did not resolve (its error code).
 */
export async function checkWebhookTarget(rawUrl: string, policy: WebhookTargetPolicy): Promise<TargetCheck> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, refused: 'the URL is not valid' };
  }
  const early = refusalWithoutLookup(url, policy);
  if (early) return { ok: false, refused: early };
  const host = bareHost(url);
  const literal = isIP(host);
  if (literal) return { ok: true, url, addresses: [{ address: host, family: literal === 6 ? 6 : 4 }] };
  let addresses: ResolvedAddress[];
  try {
    addresses = await (policy.resolve ?? systemResolve)(host);
  } catch (err) {
    return { ok: false, unresolved: (err as { code?: string }).code ?? (err as Error).message };
  }
  if (addresses.length === 0) return { ok: false, unresolved: 'ENOTFOUND' };
  if (!policy.allowPrivate) {
    for (const a of addresses) {
      const kind = privateAddressKind(a.address);
      if (kind) return { ok: false, refused: `${host} resolves to ${a.address}, ${kind}` };
    }
  }
  return { ok: true, url, addresses };
}

/**
 * At creation (or a change of URL): the reason to refuse the URL, or null. A name that does not
 * resolve now is not refused (its DNS may come later); every delivery attempt checks again.
 */
export async function webhookUrlRefusal(rawUrl: string, policy: WebhookTargetPolicy, timeoutMs = 5_000): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  try {
    const check = await Promise.race([checkWebhookTarget(rawUrl, policy), slow]);
    return check && !check.ok && 'refused' in check ? check.refused : null;
  } finally {
    clearTimeout(timer);
  }
}

// Kept-alive connections are reused only for the same host, port and checked addresses: the key
// of a pooled socket names the addresses it was opened to.
type PinnedRequestOptions = http.RequestOptions & { pinnedAddresses?: string };
class PinnedHttpAgent extends http.Agent {
  override getName(options?: PinnedRequestOptions): string {
    return `${super.getName(options)}|${options?.pinnedAddresses ?? ''}`;
  }
}
class PinnedHttpsAgent extends https.Agent {
  override getName(options?: PinnedRequestOptions): string {
    return `${super.getName(options)}|${options?.pinnedAddresses ?? ''}`;
  }
}
const agents = {
  'http:': new PinnedHttpAgent({ keepAlive: true, maxFreeSockets: 16 }),
  'https:': new PinnedHttpsAgent({ keepAlive: true, maxFreeSockets: 16 }),
};

/** A lookup that answers with the checked addresses only: the connection goes where the check said. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
}

export type PostOutcome =
  | { kind: 'answered'; status: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'unreachable'; code: string }
  | { kind: 'timeout' };

/** The most of a receiver's answer that is read (and thrown away) so its connection can be reused. */
const MAX_DRAINED_BYTES = 64 * 1024;

/**
 * One POST to a webhook URL under the policy, answered within `timeoutMs` (resolution included)
 * or not at all: the host resolved once, refused before any connection when an address is not
 * public, connected to the checked addresses with the URL's own Host header and TLS server name.
 * A redirect is an answer like any other: its status, never followed.
 */
export async function postToWebhookTarget(
  rawUrl: string,
  policy: WebhookTargetPolicy,
  request: { headers: Record<string, string>; body: string; timeoutMs: number },
): Promise<PostOutcome> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  let cancel: (() => void) | undefined;
  const deadline = new Promise<PostOutcome>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      cancel?.();
      resolve({ kind: 'timeout' });
    }, request.timeoutMs);
  });
  const attempt = (async (): Promise<PostOutcome> => {
    const check = await checkWebhookTarget(rawUrl, policy);
    if (!check.ok) return 'refused' in check ? { kind: 'refused', reason: check.refused } : { kind: 'unreachable', code: check.unresolved };
    if (timedOut) return { kind: 'timeout' };
    const { url, addresses } = check;
    const options: PinnedRequestOptions = {
      method: 'POST',
      protocol: url.protocol,
      hostname: bareHost(url),
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      agent: agents[url.protocol as 'http:' | 'https:'],
      lookup: pinnedLookup(addresses),
      pinnedAddresses: addresses.map((a) => a.address).join(','),
    };
    return new Promise<PostOutcome>((resolve) => {
      const req = (url.protocol === 'https:' ? https : http).request(options, (res) => {
        resolve({ kind: 'answered', status: res.statusCode ?? 0 });
        // The body is read and dropped, within limits, so the connection can serve the next event.
        let drained = 0;
        const slowBody = setTimeout(() => res.destroy(), request.timeoutMs);
        res.on('data', (chunk: Buffer) => {
          drained += chunk.length;
          if (drained > MAX_DRAINED_BYTES) res.destroy();
        });
        res.on('close', () => clearTimeout(slowBody));
        res.on('error', () => undefined);
      });
      cancel = () => req.destroy();
      req.on('error', (err: Error & { code?: string }) => resolve({ kind: 'unreachable', code: err.code ?? err.message }));
      req.end(request.body);
    });
  })();
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
