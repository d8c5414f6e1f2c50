// The build a soak deploys mid-run: a copy of this checkout whose send workflow carries a change
// behind a Temporal patch, as a real deploy of workflow code must (runs in flight replay unchanged).
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKFLOW = 'workflows/send-after-window.ts';
export const DEPLOY_PATCH_ID = 'soak-deploy';

/** Writes the copy under `dir` and returns its root. */
export async function prepareDeployCopy(dir: string): Promise<string> {
  const app = path.join(dir, 'app');
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const file of files) {
    if (!existsSync(path.join(root, file))) continue; // deleted in the work tree
    await mkdir(path.dirname(path.join(app, file)), { recursive: true });
    await cp(path.join(root, file), path.join(app, file));
  }
  await symlink(path.join(root, 'node_modules'), path.join(app, 'node_modules'));
  if (existsSync(path.join(root, '..', 'shared'))) await symlink(path.resolve(root, '..', 'shared'), path.join(dir, 'shared'));

  const file = path.join(app, WORKFLOW);
  const source = await readFile(file, 'utf8');
  const changed = source
    .replace("import {\n  ApplicationFailure,\n", "import {\n  ApplicationFailure,\n  patched,\n")
    .replace(
      "    status.phase = 'done';\n",
      `    // The change this deploy brings: new runs record the patch marker, runs in flight replay without it.\n    if (patched('${DEPLOY_PATCH_ID}')) status.phase = 'done';\n    status.phase = 'done';\n`,
    );
  if (!changed.includes(`patched('${DEPLOY_PATCH_ID}')`) || !changed.includes('  patched,\n')) throw new Error(`${WORKFLOW} no longer has the lines the soak's deploy patches`);
  await writeFile(file, changed);
  return app;
}
