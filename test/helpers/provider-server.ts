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
  let next = 0;
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
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
    /** Replaces the script (the accepted keys are kept). */
    answer(list: Answer[]) {
      answers = list;
      next = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
