import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

/**
 * Server settings the service is measured with (docs/benchmarks.md): eager activities, and the
 * search-attribute cache the CLI turns off by default (every read of it a database query: ~4 % of
 * the server's CPU). Ours are registered before the server starts (`--search-attribute`).
 */
export const TEMPORAL_DYNAMIC_CONFIG = ['system.enableActivityEagerExecution=true', 'system.forceSearchAttributesCacheRefreshOnRead=false'];

export interface DevServer {
  address: string;
  /** The server process, when this process started it itself. */
  pid?: number;
  uiUrl: string;
  stop(): Promise<void>;
}

/** Waits until the frontend answers; fails early when the server process has exited. */
export async function waitForFrontend(address: string, child: ChildProcess, timeoutMs: number, what: string, logHint = ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}${logHint}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      await conn.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} did not come up on ${address}: ${(err as Error).message}${logHint}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
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
    ...TEMPORAL_DYNAMIC_CONFIG.flatMap((c) => ['--dynamic-config-value', c]),
    ...ALL_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`]),
  ];
  const child: ChildProcess = spawn(opts.cli, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  // Never leave the server behind, however this process ends.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const address = `127.0.0.1:${opts.port}`;
  await waitForFrontend(address, child, 60_000, 'the Temporal dev server');
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

/**
 * The dev server for `npm start`: the CLI built with this machine's Go (or found on PATH / in the
 * cache), else — no Go, or the build failed — the CLI as the Temporal SDK downloads it (internet
 * needed once; cached by the SDK). Says which path it took.
 */
export async function startLocalTemporal(opts: {
  findCli: (log: (msg: string) => void) => Promise<string>;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  log: (msg: string) => void;
}): Promise<DevServer & { source: 'built-cli' | 'sdk-download' }> {
  let cli: string | null = null;
  let why = '';
  try {
    cli = await opts.findCli(opts.log);
  } catch (err) {
    why = (err as Error).message.split('\n')[0];
  }
  if (cli) {
    opts.log(`Temporal: dev server from the CLI at ${cli}`);
    return { ...(await startTemporalDevServer({ cli, dataDir: opts.dataDir, port: opts.port, uiPort: opts.uiPort, namespace: opts.namespace })), source: 'built-cli' };
  }
  opts.log(`Temporal: ${why} — using the Temporal SDK's download of the CLI instead (needs internet the first time)`);
  await mkdir(opts.dataDir, { recursive: true });
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip: '127.0.0.1',
      port: opts.port,
      ui: true,
      uiPort: opts.uiPort,
      namespace: opts.namespace,
      dbFilename: path.join(opts.dataDir, 'temporal.sqlite'),
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      extraArgs: ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal', ...TEMPORAL_DYNAMIC_CONFIG.flatMap((c) => ['--dynamic-config-value', c])],
    },
  }).catch((err: Error) => {
    throw new Error(`Neither path gave a Temporal dev server. Built CLI: ${why}. SDK download: ${err.message}. Install Go, or set TEMPORAL_ADDRESS to a running Temporal.`);
  });
  return {
    address: env.address,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    stop: () => env.teardown(),
    source: 'sdk-download',
  };
}
