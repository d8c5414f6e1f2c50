import { parseAutogiroResult, isOldAutogiroLayout, type AutogiroFile } from './autogiro-results.js';
import { parseBgMax, type BgMaxFile } from './bgmax.js';
import { decodeBankFile, PaymentFileError } from './fixed-width.js';

export type PaymentFile = BgMaxFile | AutogiroFile;

/** A file from Bankgirot, recognised by its opening record: BgMax or an Autogiro result file. */
export function readPaymentFile(bytes: Uint8Array): PaymentFile {
  const content = decodeBankFile(bytes);
  const first = content.replace(/^\uFEFF/, '').slice(0, 80);
  if (first.startsWith('01BGMAX')) return parseBgMax(content);
  if (first.startsWith('01AUTOGIRO') || isOldAutogiroLayout(first)) return parseAutogiroResult(content);
  throw new PaymentFileError(1, 'this is neither a BgMax file (01BGMAX…) nor an Autogiro result file (01AUTOGIRO…).');
}
