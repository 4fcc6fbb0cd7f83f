// The wrapped query type-checks wherever pool.query did: pg's promise
// overloads, their row generics, and ExecuteOptions as a third argument.
import type { Kysely } from 'kysely';
import { PostgresDialect } from 'kysely';
import type pg from 'pg';
import { describe, expectTypeOf, it } from 'vitest';
import type { Context } from 'breakwater';
import { resilientPool, type ResilientPool } from '../../src/pg/index.js';

declare const pool: pg.Pool;
declare const db: ResilientPool;

describe('ResilientPool types', () => {
  it('resilientPool returns a ResilientPool', () => {
    expectTypeOf(resilientPool).parameter(0).toEqualTypeOf<pg.Pool>();
    expectTypeOf(
      resilientPool(pool, { execute: (fn) => Promise.resolve(fn({} as Context)) as never }),
    ).toEqualTypeOf<ResilientPool>();
  });

  it('query keeps pg’s result types and row generics', () => {
    expectTypeOf(db.query('SELECT 1')).toEqualTypeOf<Promise<pg.QueryResult>>();
    expectTypeOf(db.query<{ id: number }>('SELECT id FROM t WHERE x = $1', [1])).toEqualTypeOf<
      Promise<pg.QueryResult<{ id: number }>>
    >();
    expectTypeOf(db.query<{ id: number }>({ text: 'SELECT id FROM t', values: [1] })).toEqualTypeOf<
      Promise<pg.QueryResult<{ id: number }>>
    >();
    expectTypeOf(db.query<[number, string]>({ text: 'SELECT 1, $1', rowMode: 'array' }, ['a'])).toEqualTypeOf<
      Promise<pg.QueryArrayResult<[number, string]>>
    >();
    expectTypeOf(
      db.query('SELECT 1', [], { idempotent: true, signal: AbortSignal.timeout(1), key: 'db', correlationId: 'c' }),
    ).toEqualTypeOf<Promise<pg.QueryResult>>();
  });

  it('code written against pool.query compiles against the ResilientPool', async () => {
    // pg's default row is any: rows[0].id is accepted, and the result is assignable to a typed one.
    const before: pg.QueryResult<{ id: number }> = await pool.query('SELECT 1 AS id');
    const after: pg.QueryResult<{ id: number }> = await db.query('SELECT 1 AS id');
    expectTypeOf(after).toEqualTypeOf(before);
    const { rows } = await db.query('SELECT 1 AS id');
    expectTypeOf(rows[0].id).toBeAny();
    const run = (q: (text: string, values?: unknown[]) => Promise<pg.QueryResult>) => q;
    run((text, values) => pool.query(text, values));
    run((text, values) => db.query(text, values));
  });

  it('rejects callbacks and a wrong third argument at compile time', () => {
    // @ts-expect-error pg's callback overloads are not part of the promise API
    db.query('SELECT 1', (_err: Error, _res: pg.QueryResult) => undefined);
    // @ts-expect-error pg's callback overloads are not part of the promise API
    db.query('SELECT 1', [], (_err: Error, _res: pg.QueryResult) => undefined);
    // @ts-expect-error ExecuteOptions, not a signal (cockatiel's execute(fn, signal))
    db.query('SELECT 1', [], AbortSignal.timeout(1));
  });

  it('transaction passes a PoolClient and the Context, and resolves with fn’s value', () => {
    expectTypeOf(
      db.transaction(
        async (client, ctx) => {
          expectTypeOf(client).toEqualTypeOf<pg.PoolClient>();
          expectTypeOf(ctx).toEqualTypeOf<Context>();
          return 42;
        },
        { isolationLevel: 'serializable', readOnly: false, idempotent: false },
      ),
    ).toEqualTypeOf<Promise<number>>();
    // @ts-expect-error not an isolation level PostgreSQL knows
    void db.transaction(async () => 1, { isolationLevel: 'snapshot' });
  });

  it('is Pool-compatible for promise callers: connect, end, on, the counts; Kysely takes it as its pool', () => {
    expectTypeOf(db.connect()).toEqualTypeOf<Promise<pg.PoolClient>>();
    expectTypeOf(db.end()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(db.on('error', (err, client) => void [err, client])).toEqualTypeOf<ResilientPool>();
    expectTypeOf(db.totalCount).toBeNumber();
    expectTypeOf(db.idleCount).toBeNumber();
    expectTypeOf(db.waitingCount).toBeNumber();
    expectTypeOf(new PostgresDialect({ pool: db })).toEqualTypeOf<PostgresDialect>();
    expectTypeOf<Kysely<object>>().not.toBeAny();
  });
});
