import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

export type LogoType = 'image/png' | 'image/jpeg';

export const MAX_LOGO_BYTES = 2 * 1024 * 1024;
// A logo is small on the page; a huge pixel count is a decompression bomb, not a logo.
const MAX_PIXELS = 25_000_000;

/**
 * Why these bytes are not a usable logo of the named type, or null when they decode fully.
 * Every byte is decoded here, at upload, because the PDF renderer embeds what it is given and
 * a corrupt image would otherwise fail every later send of the company.
 */
export function logoProblem(contentType: LogoType, bytes: Buffer): string | null {
  if (bytes.length === 0) return 'is empty';
  if (bytes.length > MAX_LOGO_BYTES) return `is larger than ${MAX_LOGO_BYTES / 1024 / 1024} MB`;
  try {
    if (contentType === 'image/png') {
      if (bytes.length < 24 || bytes.readUInt32BE(12) !== 0x49484452) return 'is not a PNG image';
      if (bytes.readUInt32BE(16) * bytes.readUInt32BE(20) > MAX_PIXELS) return 'has too many pixels for a logo';
      const png = PNG.sync.read(bytes);
      return png.width > 0 && png.height > 0 ? null : 'is an empty PNG image';
    }
    const img = jpeg.decode(bytes, { maxResolutionInMP: MAX_PIXELS / 1_000_000, maxMemoryUsageInMB: 256, tolerantDecoding: false });
    return img.width > 0 && img.height > 0 ? null : 'is an empty JPEG image';
  } catch {
    return `is not a valid ${contentType === 'image/png' ? 'PNG' : 'JPEG'} image (it could not be decoded)`;
  }
}
