import { createServer } from 'node:net';

function tryListen(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = createServer()
      .once('error', () => resolve(null))
      .listen(port, '127.0.0.1', () => {
        const { port: bound } = s.address() as { port: number };
        s.close(() => resolve(bound));
      });
  });
}

/**
 * A loopback port nothing listens on right now (for servers started by tests and benchmarks).
 * `below` keeps it under a limit: the Temporal server stores membership ports as smallint.
 */
export async function freePort(opts: { below?: number } = {}): Promise<number> {
  if (!opts.below) return (await tryListen(0))!;
  for (let i = 0; i < 200; i++) {
    const candidate = 20_000 + Math.floor(Math.random() * (opts.below - 20_000));
    const port = await tryListen(candidate);
    if (port) return port;
  }
  throw new Error(`no free port below ${opts.below}`);
}
