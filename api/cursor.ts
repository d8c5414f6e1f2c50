import { invalid } from './problem.js';

/** List cursors are the last id of a page, opaque to clients (base64url). */
export const encodeCursor = (lastId: string | null): string | null => (lastId === null ? null : Buffer.from(lastId).toString('base64url'));

/** The id a cursor stands for; a 422 naming `cursor` when it is not one this list gave out (ids with `prefix`). */
export function decodeCursor(cursor: string | undefined, prefix: string): string | null {
  if (!cursor) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!id.startsWith(prefix)) throw invalid([{ path: 'cursor', message: 'is not a cursor returned by this endpoint' }]);
  return id;
}
