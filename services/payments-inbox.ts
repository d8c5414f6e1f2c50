// The payments inbox: a bank file transfer drops Bankgirot's files into
// PAYMENTS_INBOX_DIR/<companyId>/. Each file is stored (once, by its bytes) and moved to
// processed/, or — when it does not follow its layout — to rejected/ with the reason beside it.
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Sql } from '../db/client.js';
import { PaymentFileError } from '../payments/fixed-width.js';
import { storePaymentFile } from './store-payment-file.js';

export interface InboxFile {
  tenantId: string;
  fileId: string;
}

const COMPANY_DIR = /^cmp_[0-9A-Za-z]+$/;

async function moveTo(dir: string, sub: 'processed' | 'rejected', name: string): Promise<string> {
  await mkdir(path.join(dir, sub), { recursive: true, mode: 0o700 });
  // A name seen before gets a timestamp, so nothing already there is overwritten.
  const taken = path.join(dir, sub, name);
  const target = existsSync(taken) ? path.join(dir, sub, `${Date.now()}-${name}`) : taken;
  await rename(path.join(dir, name), target);
  return target;
}

/** Stores every file waiting in the inbox; returns the ones still to be applied. */
export async function collectInboxFiles(sql: Sql, inboxDir: string, log?: (msg: string) => void): Promise<InboxFile[]> {
  const out: InboxFile[] = [];
  let companies: string[];
  try {
    companies = (await readdir(inboxDir, { withFileTypes: true })).filter((d) => d.isDirectory() && COMPANY_DIR.test(d.name)).map((d) => d.name);
  } catch {
    return out; // no inbox yet
  }
  for (const companyId of companies) {
    const dir = path.join(inboxDir, companyId);
    const [company] = await sql`SELECT tenant_id FROM companies WHERE id = ${companyId}`;
    if (!company) continue;
    const files = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.startsWith('.')).map((d) => d.name).sort();
    for (const name of files) {
      const bytes = await readFile(path.join(dir, name));
      try {
        const stored = await storePaymentFile(sql, { tenantId: company.tenant_id, companyId, bytes, source: 'inbox', fileName: name });
        await moveTo(dir, 'processed', name);
        if (stored.status === 'processing') out.push({ tenantId: company.tenant_id, fileId: stored.fileId });
      } catch (e) {
        if (!(e instanceof PaymentFileError)) throw e;
        const target = await moveTo(dir, 'rejected', name);
        await writeFile(`${target}.reason.txt`, `${e.message}\n`, { mode: 0o600 });
        log?.(`payment file ${name} of ${companyId} rejected: ${e.message}`);
      }
    }
  }
  return out;
}
