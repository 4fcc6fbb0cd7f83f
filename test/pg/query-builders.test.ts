// Query builders that take a Pool, given the ResilientPool instead: Kysely
// 0.28 (PostgresDialect) and Drizzle (node-postgres driver). Their statements
// run through the policy, so a timeout cancels them on the server.
import { drizzle } from 'drizzle-orm/node-postgres';
import { sql as dsql } from 'drizzle-orm';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { circuitBreaker, pipeline, timeout, TimeoutError } from 'breakwater';
import { resilientPool } from '../../src/pg/index.js';
import { adminClient, describeWithServer, makePool, warnIfSkipped } from './server.js';

warnIfSkipped('test/pg/query-builders.test.ts');

const name = `bw_qb_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
let admin: pg.Client;
const pools: pg.Pool[] = [];

interface Database {
  [name]: { id: number; note: string };
}

describeWithServer('breakwater/pg with query builders', () => {
  beforeAll(async () => {
    admin = await adminClient();
    await admin.query(`CREATE TABLE ${name} (id int PRIMARY KEY, note text NOT NULL)`);
  });
  afterAll(async () => {
    await Promise.all(pools.filter((p) => !p.ending).map((p) => p.end()));
    await admin?.query(`DROP TABLE IF EXISTS ${name}`);
    await admin?.end();
  });

  it('Kysely 0.28 runs queries and transactions on the ResilientPool, each statement through the policy', async () => {
    const pool = makePool({ max: 2 });
    pools.push(pool);
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 2 } });
    let statements = 0;
    breaker.on('success', () => statements++);
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: resilientPool(pool, pipeline(breaker, timeout(200))) }),
    });
    await db.insertInto(name).values({ id: 1, note: 'kysely' }).execute();
    await db.transaction().execute(async (trx) => {
      await trx.insertInto(name).values({ id: 2, note: 'in a transaction' }).execute();
    });
    const rows = await db.selectFrom(name).select(['id', 'note']).where('id', '<=', 2).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 1, note: 'kysely' },
      { id: 2, note: 'in a transaction' },
    ]);
    expect(statements).toBe(5); // insert, BEGIN, insert, COMMIT, select
    // A duplicate key is the database's answer: the breaker stays closed.
    await expect(db.insertInto(name).values({ id: 1, note: 'again' }).execute()).rejects.toMatchObject({
      code: '23505',
    });
    expect(breaker.state).toBe('closed');
    // A slow statement times out and is cancelled; the pool goes on.
    await expect(sql`SELECT pg_sleep(10)`.execute(db)).rejects.toBeInstanceOf(TimeoutError);
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);
    await db.destroy();
  });

  it('Drizzle (node-postgres) runs queries and transactions on the ResilientPool', async () => {
    const pool = makePool({ max: 2 });
    pools.push(pool);
    const items = pgTable(name, { id: integer('id').primaryKey(), note: text('note').notNull() });
    let statements = 0;
    const policy = timeout(200);
    const counted = {
      execute: ((fn, options) => {
        statements++;
        return policy.execute(fn, options);
      }) as typeof policy.execute,
    };
    const rp = resilientPool(pool, counted);
    // drizzle's types ask for a pg.Pool; the ResilientPool has every member drizzle calls (connect, query).
    const db = drizzle({ client: rp as unknown as pg.Pool });
    await db.insert(items).values({ id: 10, note: 'drizzle' });
    await db.transaction(async (tx) => {
      await tx.insert(items).values({ id: 11, note: 'in a transaction' });
    });
    const rows = await db
      .select()
      .from(items)
      .where(dsql`${items.id} >= 10`)
      .orderBy(items.id);
    expect(rows).toEqual([
      { id: 10, note: 'drizzle' },
      { id: 11, note: 'in a transaction' },
    ]);
    expect(statements).toBe(5);
    // drizzle wraps the error; the cause is the policy's TimeoutError.
    const error = await db.execute(dsql`SELECT pg_sleep(10)`).catch((e: unknown) => e);
    expect((error as { cause?: unknown }).cause).toBeInstanceOf(TimeoutError);
    expect(await db.$count(items)).toBeGreaterThanOrEqual(2);
  });
});
