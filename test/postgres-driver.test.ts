// postgres.js 3.4.9 threw an uncaught TypeError from a timer when a buffered write met a closed
// socket (upstream porsager/postgres#1154, #1208), killing any process whose database connection
// dropped mid-write — a worker during a database restart. patches/postgres+3.4.9.patch settles
// such writes as CONNECTION_CLOSED instead; this proves it on the machine's PostgreSQL.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type Sql } from '../db/client.js';
import { createTestDatabase } from './helpers/database.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let admin: Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = connect(db.url, { max: 1 });
});
afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await db?.drop();
});

it('a query on a connection whose backend died is rejected as CONNECTION_CLOSED, never an uncaught exception', async () => {
  const reserved = await db.sql.reserve();
  const [{ pid }] = await reserved`SELECT pg_backend_pid() AS pid`;
  await admin`SELECT pg_terminate_backend(${pid})`;
  const codes: string[] = [];
  for (let i = 0; i < 3; i++) {
    codes.push(await reserved`SELECT 1`.then(() => 'ok', (e: { code?: string }) => e.code ?? 'error'));
    await new Promise((r) => setTimeout(r, 50));
  }
  reserved.release();
  // Unpatched, the second query's buffered write crashed the process from setImmediate.
  expect(codes.slice(1)).toEqual(['CONNECTION_CLOSED', 'CONNECTION_CLOSED']);
  expect(['CONNECTION_CLOSED', 'ECONNRESET']).toContain(codes[0]);
  // Back in the pool, the dead connection fails one more query as CONNECTION_CLOSED (a retryable
  // error for the activities), then the pool goes on serving.
  const pool: string[] = [];
  for (let i = 0; i < 3; i++) pool.push(await db.sql`SELECT 1 AS one`.then(() => 'ok', (e: { code?: string }) => e.code ?? 'error'));
  expect(pool.at(-1)).toBe('ok');
  expect(pool.filter((c) => c !== 'ok' && c !== 'CONNECTION_CLOSED')).toEqual([]);
});
