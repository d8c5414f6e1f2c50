import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** v1.5.1 is the newest release whose go.mod has no `replace`, so `go install …@v1.5.1` works. */
export const TEMPORAL_CLI_VERSIONS = ['v1.5.1', 'v1.5.0', 'v1.4.1'] as const;
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function temporalCliCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'invoice-distribution', 'temporal-cli');
}

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && (await executable(path.join(dir, name)))) return path.join(dir, name);
  }
  return null;
}

/**
 * Finds the Temporal CLI: $TEMPORAL_CLI, `temporal` on PATH, the version-keyed cache outside the
 * checkout, else builds it from its Go module into that cache (a few minutes, once per machine).
 */
export async function ensureTemporalCli(log: (msg: string) => void = console.log): Promise<string> {
  if (process.env.TEMPORAL_CLI) {
    if (await executable(process.env.TEMPORAL_CLI)) return process.env.TEMPORAL_CLI;
    throw new Error(`TEMPORAL_CLI=${process.env.TEMPORAL_CLI} is not an executable file`);
  }
  const found = await onPath('temporal');
  if (found) return found;
  const cache = temporalCliCacheDir();
  for (const version of TEMPORAL_CLI_VERSIONS) {
    const cached = path.join(cache, version, 'temporal');
    if (await executable(cached)) return cached;
  }
  // Go as installed on these machines, even when a non-login shell left /usr/local/go/bin off PATH.
  const go = (await onPath('go')) ?? ((await executable('/usr/local/go/bin/go')) ? '/usr/local/go/bin/go' : null);
  if (!go) throw new Error('The Temporal CLI is not built yet and Go is not installed: install Go, or set TEMPORAL_CLI / TEMPORAL_ADDRESS.');
  const failures: string[] = [];
  for (const version of TEMPORAL_CLI_VERSIONS) {
    const target = path.join(cache, version);
    await mkdir(cache, { recursive: true });
    // Build into a private folder and rename, so two processes building at once never see half a binary.
    const scratch = await mkdtemp(path.join(cache, `.build-${version}-`));
    log(`Building the Temporal CLI ${version} from ${MODULE} (first run only; takes a few minutes)…`);
    const started = Date.now();
    try {
      await run(go, ['install', `${MODULE}@${version}`], {
        env: { ...process.env, GOBIN: scratch, CGO_ENABLED: '0' },
        maxBuffer: 64 * 1024 * 1024,
      });
      await rm(target, { recursive: true, force: true });
      await rename(scratch, target).catch(async (err) => {
        if (!(await executable(path.join(target, 'temporal')))) throw err;
      });
      log(`Built the Temporal CLI ${version} in ${Math.round((Date.now() - started) / 1000)} s → ${target}/temporal`);
      return path.join(target, 'temporal');
    } catch (err) {
      failures.push(`${version}: ${(err as Error).message.split('\n').slice(-5).join(' ')}`);
      await rm(scratch, { recursive: true, force: true });
    }
  }
  throw new Error(`Could not build the Temporal CLI with this machine's Go:\n${failures.join('\n')}`);
}
