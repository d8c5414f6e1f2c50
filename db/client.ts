import postgres from 'postgres';

export type Sql = postgres.Sql;
/** A pool or an open transaction: query helpers accept either. */
export type Queryable = postgres.Sql | postgres.TransactionSql;

/**
 * The planner's price of a random page read, for every session of the service: 1.1 (SSD, the
 * working set in memory) instead of PostgreSQL's 4 (spinning disks). At 4 the read and update of a
 * 10,000-invoice send request could scan all of the tenant's invoices rather than look up its ids:
 * with 500,000 invoices already in the database, accepting took 2.4–3.2 s instead of 1.1–1.2 s,
 * growing with the table (docs/benchmarks.md).
 */
const RANDOM_PAGE_COST = '1.1';

/**
 * One pool per process. Öre amounts (bigint) come back as JS numbers — exact far beyond any
 * invoice total — and calendar dates stay 'YYYY-MM-DD' strings so no time zone can shift them.
 */
export function connect(url: string, options: { max?: number } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 20,
    // Sent with each connection's start-up, so it needs no privilege and no migration.
    connection: { random_page_cost: RANDOM_PAGE_COST },
    onnotice: () => {},
    types: {
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
      date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x },
    },
    transform: { undefined: null },
  });
}
