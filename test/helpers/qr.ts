import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

const run = promisify(execFile);
// jsqr is CommonJS whose types declare an ES default export; under NodeNext the default import is
// the module object, whose `default` is the function.
const jsQR = (jsQRModule as unknown as { default: typeof jsQRModule.default }).default;

/** The text of the QR code found in a PNG image, or null when none is found. */
export function decodeQrPng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  return found?.data ?? null;
}

/** A PDF page rendered by poppler's pdftoppm (as a bank app's camera would see the paper), as PNG. */
export async function pdfPagePng(pdf: Buffer | Uint8Array, page = 1, dpi = 150): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'qr-page-'));
  try {
    await writeFile(path.join(dir, 'doc.pdf'), pdf);
    await run('pdftoppm', ['-r', String(dpi), '-png', '-singlefile', '-f', String(page), '-l', String(page), path.join(dir, 'doc.pdf'), path.join(dir, 'page')]);
    return await readFile(path.join(dir, 'page.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The payment QR code of a PDF's page, decoded from the rendered page. */
export async function decodeQrFromPdf(pdf: Buffer | Uint8Array, page = 1): Promise<string | null> {
  return decodeQrPng(await pdfPagePng(pdf, page));
}
