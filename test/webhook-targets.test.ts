// Webhooks never reach a private address: refused at creation (422, nothing stored) and at every
// delivery attempt (the log says why), before any connection; the host is resolved once and the
// connection goes to the address that was checked; redirects are not followed. Every listener
// here is on 127.0.0.1; other addresses appear only as refused ones, never connected to.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from './helpers/harness.js';
import { useTestService } from './helpers/service.js';
import { waitFor } from './helpers/fixtures.js';
import { checkWebhookTarget, postToWebhookTarget, privateAddressKind, type ResolvedAddress } from '../platform/webhook-target.js';

let h: Harness;
let key: string;
useTestService((s) => ({ h, key } = s));

/** The operator setting for the rest of a test (the harness turns it on; restored after each test). */
const allowPrivateTargets = (on: boolean) => (process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS = on ? 'true' : 'false');

/** An https POST to a public-looking name that resolves to 127.0.0.1 (a listener of the test's). */
const postToLoopbackNamed = (port: number, policy: { allowPrivate: boolean }) =>
  postToWebhookTarget(`https://hooks.example.test:${port}/in`, { ...policy, resolve: async (): Promise<ResolvedAddress[]> => [{ address: '127.0.0.1', family: 4 }] }, {
    headers: {}, body: '{}', timeoutMs: 5_000,
  });
afterEach(() => allowPrivateTargets(true));

/** A TCP listener on 127.0.0.1 that counts connections and keeps what it was sent (then hangs up). */
async function tcpListener() {
  const seen = { connections: 0, bytes: Buffer.alloc(0) };
  const server: TcpServer = createTcpServer((socket) => {
    seen.connections++;
    socket.on('data', (d) => {
      seen.bytes = Buffer.concat([seen.bytes, d]);
      socket.destroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { seen, port: (server.address() as { port: number }).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** An HTTP listener on 127.0.0.1 answering `status` (with `headers`) to every request it records. */
async function httpListener(status = 204, headers: Record<string, string> = {}) {
  const requests: { host: string | undefined; path: string | undefined }[] = [];
  const server: HttpServer = createHttpServer((req, res) => {
    requests.push({ host: req.headers.host, path: req.url });
    req.resume();
    req.on('end', () => res.writeHead(status, headers).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    requests,
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const deliveries = async (id: string) => (await h.request('GET', `/v1/webhook-endpoints/${id}/deliveries`, { key })).json.items as any[];

describe('address classification', () => {
  it.each([
    ['127.0.0.1', 'a loopback address (this machine)'],
    ['127.45.6.7', 'a loopback address (this machine)'],
    ['::1', 'a loopback address (this machine)'],
    ['10.0.0.1', 'a private address (RFC 1918)'],
    ['172.16.0.1', 'a private address (RFC 1918)'],
    ['172.31.255.254', 'a private address (RFC 1918)'],
    ['192.168.1.1', 'a private address (RFC 1918)'],
    ['169.254.169.254', 'the cloud metadata address'],
    ['169.254.10.20', 'a link-local address'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) address'],
    ['100.127.255.254', 'a shared (carrier-grade NAT) address'],
    ['fd12:3456::1', 'a unique-local IPv6 address'],
    ['fc00::1', 'a unique-local IPv6 address'],
    ['fe80::1', 'a link-local address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['224.0.0.1', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['0.0.0.0', 'an unspecified address'],
    ['::', 'an unspecified address'],
    ['255.255.255.255', 'a reserved or broadcast address'],
    ['::ffff:127.0.0.1', 'an IPv6 form of 127.0.0.1, a loopback address (this machine)'],
    ['::ffff:7f00:1', 'an IPv6 form of 127.0.0.1, a loopback address (this machine)'],
    ['0:0:0:0:0:ffff:a00:1', 'an IPv6 form of 10.0.0.1, a private address (RFC 1918)'],
    ['::ffff:169.254.169.254', 'an IPv6 form of 169.254.169.254, the cloud metadata address'],
    ['::ffff:100.64.0.1', 'an IPv6 form of 100.64.0.1, a shared (carrier-grade NAT) address'],
    ['64:ff9b::a9fe:a9fe', 'an IPv6 form of 169.254.169.254, the cloud metadata address'],
    ['::10.0.0.1', 'an IPv6 form of 10.0.0.1, a private address (RFC 1918)'],
  ])('%s is %s', (ip, kind) => {
    expect(privateAddressKind(ip)).toBe(kind);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    '%s is public',
    (ip) => expect(privateAddressKind(ip)).toBeNull(),
  );
});

describe('checking a target', () => {
  const production = (table: Record<string, string[]>) => {
    const asked: string[] = [];
    const resolve = async (host: string): Promise<ResolvedAddress[]> => {
      asked.push(host);
      return (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    return { policy: { allowPrivate: false, resolve }, asked };
  };

  it('a name that resolves to a private address (any of its addresses) is refused, in words', async () => {
    const { policy } = production({ 'hooks.example.test': ['10.0.0.7'], 'mixed.example.test': ['93.184.216.34', '169.254.169.254'] });
    expect(await checkWebhookTarget('https://hooks.example.test/x', policy)).toEqual({
      ok: false, refused: 'hooks.example.test resolves to 10.0.0.7, a private address (RFC 1918)',
    });
    expect(await checkWebhookTarget('https://mixed.example.test/x', policy)).toEqual({
      ok: false, refused: 'mixed.example.test resolves to 169.254.169.254, the cloud metadata address',
    });
  });

  it('literal addresses in any spelling, local names and plain http are refused without asking DNS', async () => {
    const { policy, asked } = production({});
    const refused = async (url: string) => {
      const check = await checkWebhookTarget(url, policy);
      return check.ok ? 'accepted' : 'refused' in check ? check.refused : check.unresolved;
    };
    expect(await refused('https://2130706433/')).toBe('127.0.0.1 is a loopback address (this machine)');
    expect(await refused('https://0x7f.1/')).toBe('127.0.0.1 is a loopback address (this machine)');
    expect(await refused('https://[::ffff:127.0.0.1]/')).toBe('::ffff:7f00:1 is an IPv6 form of 127.0.0.1, a loopback address (this machine)');
    expect(await refused('https://[::ffff:a9fe:a9fe]/latest/meta-data/')).toBe('::ffff:a9fe:a9fe is an IPv6 form of 169.254.169.254, the cloud metadata address');
    expect(await refused('https://[fd00::1]:8443/')).toBe('fd00::1 is a unique-local IPv6 address');
    expect(await refused('https://localhost/')).toBe('localhost names this machine');
    expect(await refused('https://api.localhost./')).toBe('api.localhost. names this machine');
    expect(await refused('http://93.184.216.34/hooks')).toBe('the URL is plain http, not https');
    expect(asked).toEqual([]);
  });

  it('with the setting on, private targets and plain http are allowed', async () => {
    const check = await checkWebhookTarget('http://127.0.0.1:9/x', { allowPrivate: true });
    expect(check).toMatchObject({ ok: true, addresses: [{ address: '127.0.0.1', family: 4 }] });
  });
});

describe('connecting to the checked address', () => {
  it('the name is resolved once; the request goes to that address with the URL host in its Host header', async () => {
    const listener = await httpListener(204);
    try {
      let lookups = 0;
      // A rebinding resolver: the first answer is the one checked, any later one would differ.
      const resolve = async (): Promise<ResolvedAddress[]> => [{ address: lookups++ === 0 ? '127.0.0.1' : '10.0.0.1', family: 4 }];
      const outcome = await postToWebhookTarget(`http://hooks.example.test:${listener.port}/in?x=1`, { allowPrivate: true, resolve }, {
        headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5_000,
      });
      expect(outcome).toEqual({ kind: 'answered', status: 204 });
      expect(lookups).toBe(1);
      expect(listener.requests).toEqual([{ host: `hooks.example.test:${listener.port}`, path: '/in?x=1' }]);
    } finally {
      await listener.close();
    }
  });

  it('over https the TLS server name is the URL host while the connection goes to the checked address', async () => {
    const listener = await tcpListener();
    try {
      const outcome = await postToLoopbackNamed(listener.port, { allowPrivate: true });
      expect(outcome.kind).toBe('unreachable'); // the listener hangs up after the ClientHello
      expect(listener.seen.connections).toBe(1);
      expect(listener.seen.bytes.includes(Buffer.from('hooks.example.test'))).toBe(true); // SNI
    } finally {
      await listener.close();
    }
  });

  it('a name resolving to a private address is never connected to', async () => {
    const listener = await tcpListener();
    try {
      const outcome = await postToLoopbackNamed(listener.port, { allowPrivate: false });
      expect(outcome).toEqual({ kind: 'refused', reason: 'hooks.example.test resolves to 127.0.0.1, a loopback address (this machine)' });
      expect(listener.seen.connections).toBe(0);
    } finally {
      await listener.close();
    }
  });
});

describe('endpoints', () => {
  it('with the setting off, private, link-local, metadata, CGNAT, local and plain-http URLs are refused with 422 and nothing is stored', async () => {
    allowPrivateTargets(false);
    const cases: [string, string][] = [
      ['https://127.0.0.1:8443/hooks', '127.0.0.1 is a loopback address (this machine)'],
      ['https://localhost/hooks', 'localhost names this machine'],
      ['https://10.0.0.1/hooks', '10.0.0.1 is a private address (RFC 1918)'],
      ['https://192.168.0.10/hooks', '192.168.0.10 is a private address (RFC 1918)'],
      ['https://169.254.169.254/latest/meta-data/', '169.254.169.254 is the cloud metadata address'],
      ['https://100.64.0.1/hooks', '100.64.0.1 is a shared (carrier-grade NAT) address'],
      ['https://[fe80::1]/hooks', 'fe80::1 is a link-local address'],
      ['https://[::ffff:10.0.0.1]/hooks', '::ffff:a00:1 is an IPv6 form of 10.0.0.1, a private address (RFC 1918)'],
      ['http://93.184.216.34/hooks', 'the URL is plain http, not https'],
    ];
    for (const [url, reason] of cases) {
      const res = await h.request('POST', '/v1/webhook-endpoints', { key, body: { url, events: ['*'] } });
      expect(res.status, url).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.json.errors).toEqual([{ path: 'url', message: `must be a public https URL: ${reason}` }]);
      expect(res.json.detail).toBe(`Webhooks go only to public addresses over https: ${reason}.`);
    }
    expect((await h.sql`SELECT count(*)::int AS n FROM webhook_endpoints WHERE url = ANY(${cases.map(([url]) => url)}::text[])`)[0].n).toBe(0);
  });

  it('with the setting off, a URL cannot be changed to a private one', async () => {
    const ep = (await h.request('POST', '/v1/webhook-endpoints', { key, body: { url: 'http://127.0.0.1:9/hooks', events: ['webhook.test'] } })).json;
    try {
      allowPrivateTargets(false);
      const res = await h.request('PATCH', `/v1/webhook-endpoints/${ep.id}`, { key, body: { url: 'https://[fd00:ec2::254]/' } });
      expect(res.status).toBe(422);
      expect(res.json.errors[0].message).toBe('must be a public https URL: fd00:ec2::254 is the cloud metadata address');
      expect((await h.request('GET', `/v1/webhook-endpoints/${ep.id}`, { key })).json.url).toBe('http://127.0.0.1:9/hooks');
    } finally {
      allowPrivateTargets(true);
      await h.request('DELETE', `/v1/webhook-endpoints/${ep.id}`, { key });
    }
  });

  it('an endpoint on a private address is refused at every attempt, before connecting, the log saying why; allowed again, it is called', async () => {
    const listener = await tcpListener();
    // Created while allowed (as an operator may have done before turning the setting off).
    const ep = (await h.request('POST', '/v1/webhook-endpoints', { key, body: { url: `https://127.0.0.1:${listener.port}/hooks`, events: ['webhook.test'] } })).json;
    try {
      allowPrivateTargets(false);
      expect((await h.request('POST', `/v1/webhook-endpoints/${ep.id}/test`, { key })).status).toBe(202);
      const [first] = await waitFor(async () => {
        const log = await deliveries(ep.id);
        return log.length >= 1 ? log : null;
      }, { what: 'the refused attempt in the log' });
      expect(first).toMatchObject({
        attempt: 1, succeeded: false, responseStatus: null, eventType: 'webhook.test',
        error: 'Refused before connecting: 127.0.0.1 is a loopback address (this machine). Webhooks go only to public addresses over https (WEBHOOK_ALLOW_PRIVATE_TARGETS is off).',
      });
      expect(listener.seen.connections).toBe(0);
      // The refusal was the setting's, not the listener's: allowed again, the next attempt connects.
      allowPrivateTargets(true);
      await waitFor(async () => listener.seen.connections >= 1, { timeoutMs: 30_000, what: 'the next attempt to connect' });
    } finally {
      await h.request('DELETE', `/v1/webhook-endpoints/${ep.id}`, { key });
      await listener.close();
    }
  });

  it('a redirect is not followed: the attempt fails with its status', async () => {
    const elsewhere = await httpListener(204);
    const redirecting = await httpListener(307, { location: `http://127.0.0.1:${elsewhere.port}/stolen` });
    const ep = (await h.request('POST', '/v1/webhook-endpoints', { key, body: { url: `http://127.0.0.1:${redirecting.port}/hooks`, events: ['webhook.test'] } })).json;
    try {
      await h.request('POST', `/v1/webhook-endpoints/${ep.id}/test`, { key });
      const [first] = await waitFor(async () => {
        const log = await deliveries(ep.id);
        return log.length >= 1 ? log : null;
      }, { what: 'the redirected attempt in the log' });
      expect(first).toMatchObject({ attempt: 1, succeeded: false, responseStatus: 307, error: 'The receiver answered HTTP 307; redirects are not followed.' });
      expect(redirecting.requests).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await h.request('DELETE', `/v1/webhook-endpoints/${ep.id}`, { key });
      await redirecting.close();
      await elsewhere.close();
    }
  });
});
