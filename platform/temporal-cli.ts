import path from 'node:path';
import { executable, findGo, goInstall, onPath, toolCacheDir } from './go-build.js';

/** v1.5.1 is the newest release whose go.mod has no `replace`, so `go install …@v1.5.1` works. */
export const TEMPORAL_CLI_VERSIONS = ['v1.5.1', 'v1.5.0', 'v1.4.1'] as const;
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function temporalCliCacheDir(): string {
  return toolCacheDir('temporal-cli');
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
  const go = await findGo();
  if (!go) throw new Error('The Temporal CLI is not built yet and Go is not installed: install Go, or set TEMPORAL_CLI / TEMPORAL_ADDRESS.');
  const failures: string[] = [];
  for (const version of TEMPORAL_CLI_VERSIONS) {
    const target = path.join(cache, version);
    log(`Building the Temporal CLI ${version} from ${MODULE} (first run only; takes a few minutes)…`);
    const started = Date.now();
    try {
      await goInstall(go, [`${MODULE}@${version}`], target, 'temporal');
      log(`Built the Temporal CLI ${version} in ${Math.round((Date.now() - started) / 1000)} s → ${target}/temporal`);
      return path.join(target, 'temporal');
    } catch (err) {
      failures.push(`${version}: ${(err as Error).message.split('\n').slice(-5).join(' ')}`);
    }
  }
  throw new Error(`Could not build the Temporal CLI with this machine's Go:\n${failures.join('\n')}`);
}
