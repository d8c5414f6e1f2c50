import postgres from 'postgres';

export type Sql = postgres.Sql;
/** A pool or an open transaction: query helpers accept either. */
export type Queryable = postgres.Sql | postgres.TransactionSql;

/**
 * One pool per process. Öre amounts (bigint) come back as JS numbers — exact far beyond any
 * invoice total — and calendar dates stay 'YYYY-MM-DD' strings so no time zone can shift them.
 */
export function connect(url: string, options: { max?: number } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 20,
    onnotice: () => {},
    types: {
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
      date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x },
    },
    transform: { undefined: null },
  });
}
