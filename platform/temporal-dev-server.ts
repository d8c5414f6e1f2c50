import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

export interface DevServer {
  address: string;
  pid: number;
  uiUrl: string;
  stop(): Promise<void>;
}

/** `temporal server start-dev` with a SQLite file under dataDir, so runs survive restarts. */
export async function startTemporalDevServer(opts: {
  cli: string;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
}): Promise<DevServer> {
  await mkdir(opts.dataDir, { recursive: true });
  const args = [
    'server', 'start-dev',
    '--db-filename', path.join(opts.dataDir, 'temporal.sqlite'),
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--namespace', opts.namespace,
    '--log-level', 'error',
    // WAL with normal sync: durable across process crashes, several times faster than the default journal.
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    ...ALL_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`]),
  ];
  const child: ChildProcess = spawn(opts.cli, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  // Never leave the server behind, however this process ends.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      await conn.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`temporal server did not come up on ${address}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  return {
    address,
    pid: child.pid!,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    stop: () =>
      new Promise<void>((resolve) => {
        process.off('exit', killOnExit);
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
