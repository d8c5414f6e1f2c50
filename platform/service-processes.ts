// The production entry points (api/main.ts, worker/main.ts) as separate processes: the topology
// a deployment runs, started here by `npm run cluster`, the scale-out test and the benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const ENTRY = { api: 'api/main.ts', worker: 'worker/main.ts' } as const;
const READY = { api: 'listening on', worker: 'polling task queue' } as const;

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM and wait (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL and wait: a crash without warning. */
  kill(): Promise<void>;
  /** Whether stop() or kill() ended it (else it exited by itself, or has not exited). */
  endedOnPurpose(): boolean;
}

export async function startServiceProcess(
  kind: keyof typeof ENTRY,
  o: {
    name: string;
    env: Record<string, string>;
    echo?: (line: string) => void;
    script?: string;
    timeoutMs?: number;
    nodeArgs?: string[];
    /** Another copy of the code to run it from (a deploy of a changed build); this checkout by default. */
    root?: string;
  },
): Promise<ServiceProcess> {
  const from = o.root ?? root;
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), '--import', 'tsx', path.join(from, o.script ?? ENTRY[kind])], {
    cwd: from,
    // As production runs a worker (docker-compose.yml): fewer malloc arenas for the SDK's native threads.
    env: { ...process.env, ...(kind === 'worker' ? { MALLOC_ARENA_MAX: '2' } : {}), ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const onData = (d: Buffer) => {
    const text = d.toString();
    output += text;
    if (o.echo) for (const line of text.split('\n')) if (line.trim()) o.echo(`${o.name}  ${line}`);
    if (output.includes(READY[kind])) ready();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), o.timeoutMs ?? 90_000).unref());
  const outcome = await Promise.race([isReady.then(() => 'ready' as const), exited.then(() => 'exited' as const), timeout]);
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(`${o.name} ${outcome === 'exited' ? `exited (${child.exitCode ?? child.signalCode})` : 'did not become ready'}:\n${output.slice(-4000)}`);
  }
  let onPurpose = false;
  const end = async (signal: NodeJS.Signals, graceMs: number) => {
    onPurpose = true;
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    name: o.name,
    child,
    output: () => output,
    stop: (graceMs = 15_000) => end('SIGTERM', graceMs),
    kill: () => end('SIGKILL', 0),
    endedOnPurpose: () => onPurpose,
  };
}
