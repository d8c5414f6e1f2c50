import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server that accepts everything and keeps only when each Message-ID arrived: the
 * finish line of the benchmark, light enough not to be what is measured.
 */
export async function startSmtpSink() {
  const arrivals = new Map<string, number>();
  let duplicates = 0;
  let waiters: { count: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      let head = '';
      let done = false;
      stream.on('data', (chunk: Buffer) => {
        if (done) return;
        head += chunk.toString('latin1');
        if (head.includes('\r\n\r\n') || head.length > 64 * 1024) done = true;
      });
      stream.on('end', () => {
        const id = /^message-id:\s*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? `(none ${arrivals.size})`;
        if (arrivals.has(id)) duplicates++;
        else arrivals.set(id, performance.now());
        waiters = waiters.filter((w) => (arrivals.size >= w.count ? (w.resolve(), false) : true));
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    arrivals,
    duplicates: () => duplicates,
    reset() {
      arrivals.clear();
      duplicates = 0;
    },
    /** Resolves when `count` distinct messages have arrived, rejects after `timeoutMs`. */
    waitFor(count: number, timeoutMs: number): Promise<void> {
      if (arrivals.size >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${arrivals.size} of ${count} e-mails arrived in ${timeoutMs / 1000} s`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
