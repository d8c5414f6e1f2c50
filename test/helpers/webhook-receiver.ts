import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

/** A real HTTP receiver that checks every signature with the Standard Webhooks library. */
export function receiver(port: number, secret: () => string) {
  const received: { id: string; type: string; body: any; headers: Record<string, string>; at: number }[] = [];
  const state = { failNext: 0, slowNextMs: 0, requests: 0, badSignatures: 0 };
  let server: Server | null = null;
  return {
    received,
    state,
    start: () =>
      new Promise<void>((resolve) => {
        server = createServer((req, res) => {
          let raw = '';
          req.on('data', (d) => (raw += d));
          req.on('end', async () => {
            state.requests++;
            if (state.slowNextMs > 0) {
              const ms = state.slowNextMs;
              state.slowNextMs = 0;
              await new Promise((r) => setTimeout(r, ms));
            }
            if (state.failNext > 0) {
              state.failNext--;
              res.writeHead(500).end('not now');
              return;
            }
            const headers = req.headers as Record<string, string>;
            try {
              new Webhook(secret()).verify(raw, headers);
            } catch {
              state.badSignatures++;
              res.writeHead(400).end('bad signature');
              return;
            }
            const body = JSON.parse(raw);
            received.push({ id: headers['webhook-id'], type: body.type, body, headers, at: Date.now() });
            res.writeHead(204).end();
          });
        });
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    stop: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}

