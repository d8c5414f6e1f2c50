import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/** Where built tools are kept: outside the checkout, keyed by tool and version, shared by every clone. */
export function toolCacheDir(tool: string): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'invoice-distribution', tool);
}

export async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function onPath(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && (await executable(path.join(dir, name)))) return path.join(dir, name);
  }
  return null;
}

/** Go as installed on these machines, even when a non-login shell left /usr/local/go/bin off PATH. */
export async function findGo(): Promise<string | null> {
  return (await onPath('go')) ?? ((await executable('/usr/local/go/bin/go')) ? '/usr/local/go/bin/go' : null);
}

/**
 * `go install` of the given packages into `target` (a cache folder). Builds into a private
 * folder and renames it, so two processes building at once never see half a binary.
 */
export async function goInstall(go: string, packages: string[], target: string, expect: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const scratch = await mkdtemp(`${target}.build-`);
  try {
    await run(go, ['install', ...packages], { env: { ...process.env, GOBIN: scratch, CGO_ENABLED: '0' }, maxBuffer: 64 * 1024 * 1024 });
    await rm(target, { recursive: true, force: true });
    await rename(scratch, target).catch(async (err) => {
      if (!(await executable(path.join(target, expect)))) throw err;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
