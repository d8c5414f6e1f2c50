import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body parsed as the web platform parses it (multipart/form-data included). */
  request: Request;
}

export type Answer = { status: number; json?: unknown; text?: string };

/**
 * A local HTTP counterpart that records every request and answers from a script: each answer
 * is used once, in order, and the last one repeats. Like a real provider it honours
 * Idempotency-Key: a key it has already accepted gets the first accepted answer back.
 */
export async function startProviderServer(answers: Answer[]) {
  const requests: RecordedRequest[] = [];
  const accepted = new Map<string, Answer>();
  /** An outage: until `until`, every request is answered `status` (nothing accepted); or answered only after `delayMs`. */
  const outage = { until: 0, status: 503, delayUntil: 0, delayMs: 0 };
  let next = 0;
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (Date.now() < outage.delayUntil) await new Promise((r) => setTimeout(r, outage.delayMs));
    if (Date.now() < outage.until) {
      res.statusCode = outage.status;
      res.end('unavailable');
      return;
    }
    const url = `http://127.0.0.1${req.url}`;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    requests.push({ method: req.method!, path: req.url!, headers: req.headers, body, request: new Request(url, { method: req.method, headers, body }) });
    const key = req.headers['idempotency-key'] as string | undefined;
    let answer = key ? accepted.get(key) : undefined;
    if (!answer) {
      answer = answers[Math.min(next, answers.length - 1)];
      next++;
      if (key && answer.status < 300) accepted.set(key, answer);
    }
    res.statusCode = answer.status;
    if (answer.json !== undefined) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer.json));
    } else {
      res.end(answer.text ?? '');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    requests,
    /** Idempotency keys accepted (2xx), each with its answer: what the provider holds. */
    accepted: accepted as ReadonlyMap<string, Answer>,
    outage,
    /** Replaces the script (the accepted keys are kept). */
    answer(list: Answer[]) {
      answers = list;
      next = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
