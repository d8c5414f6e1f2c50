import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

// Outbox files hold invoices and personal data: only the service's own user may read them.
const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/** Writes a file readable by the owner only; with `atomic`, through a temporary file and a rename. */
export async function writePrivateFile(
  file: string,
  data: string | Uint8Array,
  opts: { encoding?: BufferEncoding; atomic?: boolean } = {},
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  const target = opts.atomic ? `${file}.tmp` : file;
  await writeFile(target, data, { mode: PRIVATE_FILE_MODE, encoding: opts.encoding });
  if (opts.atomic) await rename(target, file);
}
