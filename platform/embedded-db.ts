import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, cp, lstat, mkdir, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../db/client.js';

export interface EmbeddedDb {
  url: string;
  stop(): Promise<void>;
}

/** A condition this module found itself (a folder PostgreSQL cannot enter, a port in use): said in one line, no stack. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

const runsAsRoot = () => os.userInfo().uid === 0;

/**
 * Run as root, PostgreSQL (which refuses root) runs as the system user `postgres`. When that user
 * cannot enter the checkout (a clone under /root, say) its binaries and cluster live here instead,
 * in a folder owned by that user and private to it (0700).
 */
export const RELOCATED_HOME = '/var/lib/invoice-distribution/embedded-postgres';

/**
 * The data folder is the service's alone (0700). Run as root with the cluster inside it, the
 * system user `postgres` must pass through it to its own folder: then 0711 (enter, not list).
 */
export async function prepareDataDir(dataDir: string, opts: { embeddedPostgres: boolean }): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const clusterInside = opts.embeddedPostgres && runsAsRoot() && !firstClosedFolder(path.dirname(path.resolve(dataDir)));
  await chmod(dataDir, clusterInside ? 0o711 : 0o700);
}

/**
 * The first folder on the way to `target` that a user other than its owner cannot enter, or
 * null when every folder can be passed through.
 */
export function firstClosedFolder(target: string): string | null {
  let dir = path.resolve(target);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const folder of chain) {
    if (!existsSync(folder)) return null;
    if ((statSync(folder).mode & 0o001) === 0) return folder;
  }
  return null;
}

/**
 * Why the embedded PostgreSQL could not run from the checkout itself, in words that name the fixes;
 * null when it can. The service then moves the cluster to RELOCATED_HOME, and says this only when
 * that fails too.
 */
export function embeddedPostgresBlocker(dataDir: string, binaryDir: string): string | null {
  if (!runsAsRoot()) return null;
  for (const target of [binaryDir, dataDir]) {
    const closed = firstClosedFolder(target);
    if (closed) {
      return `The embedded PostgreSQL cannot start: run as root, it runs as the system user "postgres", which cannot enter ${closed} ` +
        `(mode ${(statSync(closed).mode & 0o777).toString(8)}). Either run the service as a normal user, or move the checkout ` +
        `(and DATA_DIR) under a folder others can enter (e.g. /srv or /opt), or set DATABASE_URL to a PostgreSQL server.`;
    }
  }
  return null;
}

/** PostgreSQL's binaries as the embedded-postgres platform package ships them (bin/, lib/, share/). */
function packagedBinaries(): { dir: string; version: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(name);
  } catch {
    throw new EmbeddedPostgresError(`The embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (npm package ${name}): set DATABASE_URL to a PostgreSQL server.`);
  }
  // dist/index.js sits beside native/.
  const root = path.join(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return { dir: path.join(root, 'native'), version };
}

interface SystemUser { name: string; uid: number; gid: number }

/** The user PostgreSQL runs as: this process's own, or (run as root) `postgres`, created when missing. */
function postgresUser(): SystemUser | null {
  if (!runsAsRoot()) return null;
  const lookUp = (): SystemUser | null => {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { name: 'postgres', uid: id('-u'), gid: id('-g') };
    } catch {
      return null;
    }
  };
  const found = lookUp();
  if (found) return found;
  try {
    execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['--system', '--gid', 'postgres', '--home-dir', '/nonexistent', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  } catch {
    // Reported below.
  }
  const created = lookUp();
  if (!created) {
    throw new EmbeddedPostgresError('The embedded PostgreSQL cannot start: run as root it must run as the system user "postgres", which is missing and could not be created (groupadd/useradd). Create it, run as a normal user, or set DATABASE_URL.');
  }
  return created;
}

/** Where the cluster's binaries and data are, and as whom it runs. */
interface Placement {
  binDir: string;
  databaseDir: string;
  user: SystemUser | null;
  /** Set when the cluster lives under RELOCATED_HOME: the folder its user could not enter. */
  relocatedFrom: string | null;
  /** A file in the data folder that ties it to its relocated cluster (deleting the data folder starts afresh). */
  marker: string | null;
}

async function placeCluster(dataDir: string): Promise<Placement> {
  const packaged = packagedBinaries();
  const user = postgresUser();
  const placement: Placement = { binDir: packaged.dir, databaseDir: path.join(dataDir, 'postgres'), user, relocatedFrom: null, marker: null };
  if (!user) return placement;
  const closedBinaries = firstClosedFolder(packaged.dir);
  const closedData = firstClosedFolder(path.dirname(path.resolve(dataDir)));
  if (!closedBinaries && !closedData) return placement;
  try {
    await mkdir(path.dirname(RELOCATED_HOME), { recursive: true, mode: 0o755 });
    await chmod(path.dirname(RELOCATED_HOME), 0o755);
    await mkdir(RELOCATED_HOME, { recursive: true, mode: 0o700 });
    await chown(RELOCATED_HOME, user.uid, user.gid);
    await chmod(RELOCATED_HOME, 0o700);
    if (closedBinaries) placement.binDir = await copyBinaries(packaged, path.join(RELOCATED_HOME, `bin-${packaged.version}`));
    if (closedData) {
      const key = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
      placement.databaseDir = path.join(RELOCATED_HOME, `data-${key}`);
      placement.marker = path.join(dataDir, 'postgres-cluster');
      // A cluster without the marker belongs to a data folder since deleted: start afresh, as DATA_DIR promises.
      if (!existsSync(placement.marker)) await rm(placement.databaseDir, { recursive: true, force: true });
    }
  } catch (err) {
    const blocker = embeddedPostgresBlocker(dataDir, packaged.dir) ?? 'The embedded PostgreSQL cannot start.';
    throw new EmbeddedPostgresError(`${blocker} (Moving it to ${RELOCATED_HOME} failed: ${(err as Error).message})`);
  }
  placement.relocatedFrom = closedBinaries ?? closedData;
  return placement;
}

/** A copy of the packaged binaries at `target` (made once per version; other users may run, not change, them). */
async function copyBinaries(packaged: { dir: string }, target: string): Promise<string> {
  if (existsSync(path.join(target, 'bin', 'postgres'))) return target;
  const partial = `${target}.partial-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await cp(packaged.dir, partial, { recursive: true, verbatimSymlinks: true });
    await openUp(partial);
    await rename(partial, target).catch((err: NodeJS.ErrnoException) => {
      // Another run copied them first.
      if (!existsSync(path.join(target, 'bin', 'postgres'))) throw err;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return target;
}

/** Folders 0755, files 0644 or 0755 (executables): the copy was made under the service's umask 077. */
async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir)) {
    const file = path.join(dir, entry);
    const st = await lstat(file);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) await openUp(file);
    else await chmod(file, st.mode & 0o111 ? 0o755 : 0o644);
  }
}

/** The locale PostgreSQL's messages are in (as embedded-postgres chose it; its readiness line is read in English). */
function messageLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\r?\n/).map((l) => l.trim()));
    for (const l of ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8']) if (available.has(l)) return l;
  } catch {
    // no `locale`: the POSIX one
  }
  return 'C';
}

/** What PostgreSQL said went wrong, for a one-line error: the first cause it names and its last FATAL. */
function lastWords(output: string): string {
  const lines = output.split(/\r?\n/).map((l) => l.replace(/^\S+ \S+ \S+ \[\d+\] /, '').replace(/^LOG:\s+/, '').trim()).filter(Boolean);
  const cause = lines.find((l) => /could not|cannot|error:|denied|already in use/i.test(l) && !/^(FATAL|PANIC|HINT):/.test(l));
  const fatal = [...lines].reverse().find((l) => /^(FATAL|PANIC|ERROR):/.test(l));
  return [cause, fatal?.replace(/:\s+/, ': ')].filter(Boolean).join(' — ') || lines.at(-1) || 'no output';
}

async function initCluster(p: Placement, password: string, locale: string): Promise<void> {
  // Folders made here on the way to the cluster must let its user pass (not list): a umask of 077
  // would make them root's alone, and the password file beside the cluster unreadable to initdb.
  const parent = path.dirname(p.databaseDir);
  const first = await mkdir(parent, { recursive: true });
  if (first !== undefined && p.user) {
    for (let d = parent; d.startsWith(first); d = path.dirname(d)) await chmod(d, 0o711);
  }
  await mkdir(p.databaseDir, { recursive: true, mode: 0o700 });
  if (p.user) await chown(p.databaseDir, p.user.uid, p.user.gid);
  // The password file sits beside the cluster, where its user can read it (and nobody else).
  const passwordFile = path.join(path.dirname(p.databaseDir), `.pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (p.user) await chown(passwordFile, p.user.uid, p.user.gid);
    const output = await run(path.join(p.binDir, 'bin', 'initdb'), [
      `--pgdata=${p.databaseDir}`, '--auth=password', '--username=postgres', `--pwfile=${passwordFile}`, `--lc-messages=${locale}`,
    ], p.user, locale);
    if (output.code !== 0) throw new EmbeddedPostgresError(`The embedded PostgreSQL could not create its cluster in ${p.databaseDir}: ${lastWords(output.text)}`);
  } finally {
    await unlink(passwordFile).catch(() => undefined);
  }
}

function run(file: string, args: string[], user: SystemUser | null, locale: string): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...ids(user), env: { ...process.env, LC_MESSAGES: locale }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => { text += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { text += c.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, text }));
  });
}

const ids = (user: SystemUser | null) => (user ? { uid: user.uid, gid: user.gid } : {});

interface Server { child: ChildProcess; exited: Promise<void> }

/** The postgres server process, up once it accepts connections; its output is kept short for errors. */
function startServer(p: Placement, port: number, locale: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(p.binDir, 'bin', 'postgres'), ['-D', p.databaseDir, '-p', String(port)], {
      ...ids(p.user), env: { ...process.env, LC_MESSAGES: locale }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    let recent = '';
    let up = false;
    // Read its log for as long as it runs (a full pipe would stall it); keep the last lines.
    child.stderr!.on('data', (c: Buffer) => {
      recent = (recent + c.toString('utf8')).slice(-4000);
      if (!up && recent.includes('database system is ready to accept connections')) {
        up = true;
        resolve({ child, exited });
      }
    });
    child.on('error', (err) => reject(new EmbeddedPostgresError(`The embedded PostgreSQL did not start: ${err.message}`)));
    child.on('close', (code) => {
      if (up) return;
      const said = lastWords(recent);
      const hint = /already in use/.test(said) ? ` Stop what holds port ${port}, or set EMBEDDED_POSTGRES_PORT.` : '';
      reject(new EmbeddedPostgresError(`The embedded PostgreSQL did not start on port ${port} (exit ${code}): ${said}.${hint}`));
    });
  });
}

/**
 * The servers this process runs. None is left running when the process ends without stopping it:
 * on exit, and on SIGINT/SIGTERM when nothing else here handles the signal (the service's own
 * shutdown stops them in order).
 */
const running = new Set<Server>();
const stopAllOnExit = () => { for (const s of running) s.child.kill('SIGINT'); };
const stopAllOnSignal = (signal: NodeJS.Signals) => {
  if (process.listenerCount(signal) > 1) return;
  const servers = [...running];
  for (const s of servers) s.child.kill('SIGINT');
  void Promise.all(servers.map((s) => s.exited)).then(() => {
    unwatch();
    process.kill(process.pid, signal);
  });
};
function watch(server: Server) {
  if (running.size === 0) {
    process.on('exit', stopAllOnExit);
    process.on('SIGINT', stopAllOnSignal);
    process.on('SIGTERM', stopAllOnSignal);
  }
  running.add(server);
}
function unwatch(server?: Server) {
  if (server) running.delete(server);
  else running.clear();
  if (running.size === 0) {
    process.off('exit', stopAllOnExit);
    process.off('SIGINT', stopAllOnSignal);
    process.off('SIGTERM', stopAllOnSignal);
  }
}

/**
 * A real PostgreSQL from the embedded-postgres package's binaries, data kept between runs under
 * dataDir (or, run as root from a folder its user cannot enter, under RELOCATED_HOME).
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDb> {
  return startPlaced(await placeCluster(dataDir), port);
}

async function startPlaced(p: Placement, port: number): Promise<EmbeddedDb> {
  const password = 'invoice-distribution-local';
  const locale = messageLocale();
  if (!existsSync(path.join(p.databaseDir, 'PG_VERSION'))) {
    await initCluster(p, password, locale);
    if (p.marker) await writeFile(p.marker, `${p.databaseDir}\n`, { mode: 0o600 });
  }
  const server = await startServer(p, port, locale);
  watch(server);
  const stop = async () => {
    unwatch(server);
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGINT');
    await server.exited;
  };
  try {
    const admin = connect(`postgres://postgres:${password}@127.0.0.1:${port}/postgres`, { max: 1 });
    try {
      const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = 'invoices'`;
      if (!exists) await admin`CREATE DATABASE invoices`;
    } finally {
      await admin.end();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/invoices`, stop };
}

/**
 * DATABASE_URL when set, else the embedded PostgreSQL (started here, with its stop). A condition
 * found here ends the process with one line that names it, not a stack trace.
 */
export async function databaseForLocalRun(
  config: { databaseUrl: string | null; dataDir: string; embeddedPostgresPort: number },
  log: (msg: string) => void,
): Promise<{ url: string; stop: (() => Promise<void>) | null }> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: null };
  try {
    const placement = await placeCluster(config.dataDir);
    const as = placement.user ? `, as the system user ${placement.user.name}` : '';
    const where = placement.relocatedFrom
      ? `data in ${placement.databaseDir}${as}, which cannot enter ${placement.relocatedFrom}`
      : `data in ${placement.databaseDir}${as}`;
    log(`starting embedded PostgreSQL on 127.0.0.1:${config.embeddedPostgresPort} (${where})`);
    const db = await startPlaced(placement, config.embeddedPostgresPort);
    return { url: db.url, stop: () => db.stop() };
  } catch (err) {
    if (!(err instanceof EmbeddedPostgresError)) throw err;
    log(err.message);
    process.exit(1);
  }
}
