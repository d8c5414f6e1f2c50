// Runs the official PEPPOL BIS 3 checks kept in ../shared/validation/peppol on generated UBL:
// the OASIS UBL 2.1 XSD (xmllint compiled to WebAssembly) and the PEPPOL + EN 16931
// schematron XSLTs (SaxonJS). Compiled stylesheets are cached outside the checkout.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { validateXML } from 'xmllint-wasm';

const require = createRequire(import.meta.url);
const SaxonJS = require('saxon-js') as {
  transform(options: Record<string, unknown>, mode: 'sync'): { principalResult: string };
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PEPPOL_DIR = path.resolve(repoRoot, '..', 'shared', 'validation', 'peppol');
const SCHEMATRONS = ['CEN-EN16931-UBL.xslt', 'PEPPOL-EN16931-UBL.xslt'];

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'invoice-distribution', 'peppol-sef');
}

/** Compiles each schematron XSLT to SaxonJS's SEF once per content hash (10–25 s each, first time only). */
export async function compiledSchematrons(): Promise<string[]> {
  await mkdir(cacheDir(), { recursive: true });
  const out: string[] = [];
  for (const name of SCHEMATRONS) {
    const xsl = path.join(PEPPOL_DIR, name);
    const hash = createHash('sha256').update(await readFile(xsl)).digest('hex').slice(0, 16);
    const sef = path.join(cacheDir(), `${name}.${hash}.sef.json`);
    if (!existsSync(sef)) {
      const tmp = `${sef}.${process.pid}.tmp.json`;
      await promisify(execFile)(process.execPath, [require.resolve('xslt3/xslt3.js'), `-xsl:${xsl}`, `-export:${tmp}`, '-nogo'], {
        maxBuffer: 64 * 1024 * 1024,
      });
      await rename(tmp, sef);
    }
    out.push(sef);
  }
  return out;
}

let schemaFiles: Promise<{ main: { fileName: string; contents: string }; preload: { fileName: string; contents: string }[] }> | null = null;
function loadSchemas() {
  schemaFiles ??= (async () => {
    const commonDir = path.join(PEPPOL_DIR, 'xsd', 'common');
    const preload = await Promise.all(
      (await readdir(commonDir)).map(async (f) => ({ fileName: `common/${f}`, contents: await readFile(path.join(commonDir, f), 'utf8') })),
    );
    const main = { fileName: 'maindoc/UBL-Invoice-2.1.xsd', contents: await readFile(path.join(PEPPOL_DIR, 'xsd', 'maindoc', 'UBL-Invoice-2.1.xsd'), 'utf8') };
    return { main, preload };
  })();
  return schemaFiles;
}

export interface ValidationReport {
  schemaErrors: string[];
  fatal: { id: string; text: string }[];
  warnings: number;
}

export async function validatePeppol(xml: string): Promise<ValidationReport> {
  const { main, preload } = await loadSchemas();
  const xsd = await validateXML({ xml: [{ fileName: 'invoice.xml', contents: xml }], schema: [main], preload });
  const schemaErrors = xsd.errors.map((e) => e.rawMessage ?? e.message);
  const fatal: { id: string; text: string }[] = [];
  let warnings = 0;
  for (const sef of await compiledSchematrons()) {
    const svrl = SaxonJS.transform({ stylesheetFileName: sef, sourceText: xml, destination: 'serialized' }, 'sync').principalResult;
    for (const m of svrl.matchAll(/<svrl:failed-assert\b([^>]*)>([\s\S]*?)<\/svrl:failed-assert>/g)) {
      const attrs = m[1];
      const id = /\bid="([^"]*)"/.exec(attrs)?.[1] ?? '?';
      const flag = /\bflag="([^"]*)"/.exec(attrs)?.[1];
      const text = (/<svrl:text>([\s\S]*?)<\/svrl:text>/.exec(m[2])?.[1] ?? '').trim();
      if (flag === 'fatal') fatal.push({ id, text });
      else warnings++;
    }
  }
  return { schemaErrors, fatal, warnings };
}
