// The outbox files (what each channel's counterpart would receive, written by the worker) that hold
// a piece of a person's data, and their erasure: text files get every copy replaced by [raderad]
// (an Autogiro file keeps its fixed-width records), binary and encoded copies (a PDF, an e-mail
// with its attachment) of a document the database keeps are replaced by the word alone.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from '../db/client.js';
import { writePrivateFile } from '../platform/private-files.js';
import { cachedInvoices } from '../activities/send-cache.js';
import { collectPersonTerms, ERASED, kindsFound, redact, type TermKind } from './personal-data.js';

export interface PersonalDataFile {
  /** Relative to its outbox folder, whose name leads (e.g. `outbox/autogiro/cmp_…/autogiro-004711-20261206.txt`). */
  path: string;
  found: TermKind[];
  /** The file's name is one of the person's deliveries: the whole file is theirs. */
  delivery: boolean;
}

async function* walk(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // not made yet: nothing was written there
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

const BINARY = new Set(['.pdf', '.eml']);

/**
 * Finds (and with `erase`, erases) the person's data in the outbox folders. Reads the person's
 * values from the database itself, so no personal data travels through the workflow. Also counts
 * (with `erase`: drops) the person's send contexts cached by this process's workers.
 */
export async function personalDataFiles(
  deps: { sql: Sql; outboxDirs: string[] },
  input: { tenantId: string; personId: string; erase: boolean },
): Promise<{ files: PersonalDataFile[]; erased: number; cacheEntries: number }> {
  const p = await collectPersonTerms(deps.sql, input.tenantId, input.personId);
  if (!p) return { files: [], erased: 0, cacheEntries: 0 };
  // The send contexts this worker process holds of their invoices (counted before the files are read).
  const cacheEntries = cachedInvoices(p.invoiceIds, { forget: input.erase });
  const unique = p.terms.filter((t) => t.unique);
  const seen = new Set<string>();
  const files: PersonalDataFile[] = [];
  let erased = 0;
  for (const dir of deps.outboxDirs) {
    let root: string;
    try {
      root = await realpath(dir);
    } catch {
      continue;
    }
    const base = path.dirname(root);
    for await (const file of walk(root)) {
      const real = await realpath(file);
      if (seen.has(real) || file.endsWith('.tmp')) continue;
      seen.add(real);
      if ((await stat(real)).size > 50 * 1024 * 1024) continue;
      const name = path.basename(file);
      const delivery = p.workflowIds.some((id) => name.includes(id));
      const ext = path.extname(name).toLowerCase();
      const latin1 = ext === '.txt';
      const raw = await readFile(real);
      const text = raw.toString(latin1 ? 'latin1' : 'utf8');
      if (text === `${ERASED}\n`) continue;
      const terms = delivery ? p.terms : unique;
      const found = kindsFound(text, terms);
      if (!found.length && !delivery) continue;
      files.push({ path: path.relative(base, real), found, delivery });
      if (!input.erase) continue;
      const next = BINARY.has(ext) ? `${ERASED}\n` : redact(text, terms, { fixedWidth: latin1 });
      if (next !== text) {
        await writePrivateFile(real, Buffer.from(next, latin1 ? 'latin1' : 'utf8'), { atomic: true });
        erased++;
      }
    }
  }
  return { files, erased, cacheEntries };
}
