// Searches for pieces of a person's data the way an auditor would, independently of the service:
// every cell of every table of the schema (all but binary columns, cast to text) and every outbox
// file (read as UTF-8 and as Latin-1), case-insensitively.
import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Harness } from './harness.js';

/** `table.column key` → the pieces found there (key: the primary key's values joined by `/`). */
export async function searchTables(h: Harness, pieces: string[]): Promise<Map<string, string[]>> {
  const cols = await h.sql`
    SELECT c.table_name, c.column_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = current_schema() AND c.data_type NOT IN ('bytea')
    ORDER BY 1, 2`;
  const keys = await h.sql`
    SELECT k.table_name, k.column_name FROM information_schema.table_constraints tc
    JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name
    WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY' ORDER BY k.table_name, k.ordinal_position`;
  const found = new Map<string, string[]>();
  for (const { table_name: table, column_name: column } of cols) {
    const key = keys.filter((k) => k.table_name === table).map((k) => k.column_name as string);
    const rows = await h.sql`SELECT ${h.sql(column)}::text AS v ${key.length ? h.sql`, concat_ws('/', ${h.sql(key)}) AS k` : h.sql`, ctid::text AS k`} FROM ${h.sql(table)}`;
    for (const r of rows) {
      const hits = pieces.filter((p) => r.v?.toLowerCase().includes(p.toLowerCase()));
      if (hits.length) found.set(`${table}.${column} ${r.k}`, hits);
    }
  }
  return found;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

/** Every outbox file holding a piece, by its path as the export names it (from the outbox folder's name on). */
export async function searchFiles(h: Harness, pieces: string[]): Promise<Map<string, string[]>> {
  const root = await realpath(h.outboxDir);
  const found = new Map<string, string[]>();
  for await (const file of walk(root)) {
    const raw = await readFile(file);
    const text = `${raw.toString('utf8')}\n${raw.toString('latin1')}`.toLowerCase();
    const hits = pieces.filter((p) => text.includes(p.toLowerCase()));
    if (hits.length) found.set(path.relative(path.dirname(root), file), hits);
  }
  return found;
}

export const piecesIn = (pieces: string[], text: string) => pieces.filter((p) => text.toLowerCase().includes(p.toLowerCase()));
