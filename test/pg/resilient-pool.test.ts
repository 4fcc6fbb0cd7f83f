// breakwater/pg against a real PostgreSQL: cancellation on abort, how errors
// are classified for the breaker and retry, pool exhaustion, transactions.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  bulkhead,
  circuitBreaker,
  constant,
  hedge,
  isTimeoutError,
  pipeline,
  retry,
  timeout,
  TimeoutError,
  type Policy,
} from 'breakwater';
import { isPgClientError, isPgNotSent, resilientPool } from '../../src/pg/index.js';
import {
  adminClient,
  describeWithServer,
  makePool,
  since,
  startProxy,
  urlVia,
  warnIfSkipped,
  type Proxy,
} from './server.js';

warnIfSkipped('test/pg/resilient-pool.test.ts');

const table = `bw_rp_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
let admin: pg.Client;
const pools: pg.Pool[] = [];
const proxies: Proxy[] = [];

function pool(config: pg.PoolConfig = {}, url?: string): pg.Pool {
  const p = makePool(config, url);
  pools.push(p);
  return p;
}

async function activeWithTag(tag: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()",
    [`%${tag}%`],
  );
  return rows[0]?.n ?? -1;
}

describeWithServer('breakwater/pg against PostgreSQL', () => {
  beforeAll(async () => {
    admin = await adminClient();
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, note text)`);
  });
  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await Promise.all(pools.map((p) => p.end()));
    await admin?.query(`DROP TABLE IF EXISTS ${table}`);
    await admin?.end();
  });

  it('cancels a pg_sleep(10) on the server within 200 ms of timeout(100), then serves 100 queries', async () => {
    const p = pool({ max: 3 });
    const releasedBroken: unknown[] = [];
    p.on('release', (err) => releasedBroken.push(err));
    const db = resilientPool(p, timeout(100));
    await db.query('SELECT 1'); // a connection ready in the pool, so the 100 ms are the statement's
    releasedBroken.length = 0;
    const tag = `bw_sleep_${Math.random().toString(36).slice(2)}`;
    const t0 = performance.now();
    const error = await db.query(`SELECT pg_sleep(10), '${tag}' AS tag`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(since(t0)).toBeLessThan(1_000);
    const timedOutAt = performance.now();
    let running = await activeWithTag(tag);
    while (running > 0 && since(timedOutAt) < 2_000) running = await activeWithTag(tag);
    const goneAfter = since(timedOutAt);
    expect(running).toBe(0);
    expect(goneAfter).toBeLessThan(200);
    // The client went back as broken (release(true)), never to the pool mid-statement.
    await expect.poll(() => releasedBroken.length).toBe(1);
    expect(releasedBroken[0]).toBe(true);
    // The same pg pool serves the next 100 queries (under a roomier timeout: the machine may be loaded).
    const next = resilientPool(p, timeout(10_000));
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => next.query<{ n: number }>('SELECT $1::int AS n', [i])),
    );
    expect(results.map((r) => r.rows[0]?.n)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('cancels on the caller abort too, and rejects with signal.reason', async () => {
    const db = resilientPool(pool({ max: 1 }), pipeline());
    const tag = `bw_abort_${Math.random().toString(36).slice(2)}`;
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 50);
    await expect(db.query(`SELECT pg_sleep(10), '${tag}'`, [], { signal: controller.signal })).rejects.toBe(reason);
    await expect.poll(() => activeWithTag(tag), { timeout: 1_000, interval: 10 }).toBe(0);
    await expect(db.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });

  it('cancels the statement of a hedge that lost the race, and closes its client', async () => {
    const p = pool({ max: 2 });
    const released: unknown[] = [];
    p.on('release', (err) => released.push(err));
    const db = resilientPool(p, hedge({ delay: 50 }));
    await Promise.all([db.query('SELECT 1'), db.query('SELECT 1')]); // two connections ready
    released.length = 0;
    const tag = `bw_hedge_${Math.random().toString(36).slice(2)}`;
    // Both attempts sleep 300 ms; the first one started 50 ms earlier and wins.
    const { rows } = await db.query<{ tag: string }>(`SELECT '${tag}' AS tag FROM pg_sleep(0.3)`, [], {
      idempotent: true,
    });
    expect(rows).toEqual([{ tag }]);
    await expect.poll(() => activeWithTag(tag), { timeout: 1_000, interval: 10 }).toBe(0);
    await expect.poll(() => released.length).toBe(2);
    expect(released.filter((e) => e === true)).toHaveLength(1); // the loser's client was closed
  });

  it('with a cooperative timeout the call ends once the server cancelled the statement', async () => {
    const db = resilientPool(pool({ max: 1 }), timeout(100, { strategy: 'cooperative' }));
    await db.query('SELECT 1');
    const t0 = performance.now();
    const error = await db.query('SELECT pg_sleep(10)').catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect(since(t0)).toBeLessThan(1_000);
    expect(db.totalCount).toBe(0); // the connection was closed, not pooled
  });

  it('a duplicate key neither opens a consecutive(1) breaker nor is retried, and reaches the caller unchanged', async () => {
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 } });
    const policy = retry({ maxAttempts: 3, backoff: constant(1), idempotent: true });
    let retries = 0;
    policy.on('retry', () => retries++);
    const db = resilientPool(pool({ max: 2 }), pipeline(policy, breaker));
    await db.query(`INSERT INTO ${table} (id, note) VALUES (1, 'first')`);
    const error = await db.query(`INSERT INTO ${table} (id, note) VALUES (1, 'again')`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(pg.DatabaseError);
    expect((error as pg.DatabaseError).code).toBe('23505');
    expect(isPgClientError(error)).toBe(true);
    expect(retries).toBe(0);
    expect(breaker.state).toBe('closed');
    // Bad data (class 22) too.
    await expect(db.query("SELECT 'x'::int")).rejects.toMatchObject({ code: '22P02' });
    expect(breaker.state).toBe('closed');
    expect(retries).toBe(0);
  });

  it('a network cut through the proxy opens the consecutive(1) breaker', async () => {
    const proxy = await startProxy();
    proxies.push(proxy);
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openFor: 60_000 });
    const db = resilientPool(pool({ max: 2, connectionTimeoutMillis: 2_000 }, urlVia(proxy.port)), breaker);
    await expect(db.query('SELECT 1')).resolves.toBeDefined();
    const inFlight = db.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await proxy.stop();
    const error = await inFlight;
    expect(error).toBeInstanceOf(Error);
    expect(breaker.state).toBe('open');
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ name: 'BrokenCircuitError' });
  });

  it('a server that refuses every connection opens the breaker', async () => {
    const proxy = await startProxy();
    proxies.push(proxy);
    await proxy.stop();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openFor: 60_000 });
    const db = resilientPool(pool({ max: 1 }, urlVia(proxy.port)), breaker);
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(breaker.state).toBe('open');
  });

  it('a statement refused before it was sent is retried even when not idempotent', async () => {
    const proxy = await startProxy();
    proxies.push(proxy);
    await proxy.stop(); // connections are refused: nothing can be sent
    const policy = retry({ maxAttempts: 3, backoff: constant(20) });
    const errors: unknown[] = [];
    let blocked = 0;
    policy.on('retryBlocked', () => blocked++);
    policy.on('retry', (e) => {
      if (!e.outcome.ok) errors.push(e.outcome.error);
      void proxy.start();
    });
    const db = resilientPool(pool({ max: 1 }, urlVia(proxy.port)), policy);
    await db.query(`INSERT INTO ${table} (id, note) VALUES (2, 'written once')`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isPgNotSent(errors[0])).toBe(true);
    expect(blocked).toBe(0);
    const { rows } = await admin.query(`SELECT note FROM ${table} WHERE id = 2`);
    expect(rows).toEqual([{ note: 'written once' }]);
  });

  it('a write that failed after it was sent is not retried', async () => {
    const proxy = await startProxy();
    proxies.push(proxy);
    const policy = retry({ maxAttempts: 3, backoff: constant(1) });
    let blocked = 0;
    policy.on('retryBlocked', (e) => {
      if (e.reason === 'not-idempotent') blocked++;
    });
    const db = resilientPool(pool({ max: 1 }, urlVia(proxy.port)), policy);
    await db.query('SELECT 1');
    setTimeout(() => void proxy.stop(), 100);
    await expect(db.query(`INSERT INTO ${table} (id, note) SELECT 3, 'maybe' FROM pg_sleep(1)`)).rejects.toBeInstanceOf(
      Error,
    );
    expect(blocked).toBe(1);
  });

  it('with bulkhead({ maxConcurrent: pool size }) in front, no call waits in pg’s own queue', async () => {
    const size = 4;
    const run = async (withBulkhead: boolean): Promise<number> => {
      const p = pool({ max: size });
      const policy = withBulkhead
        ? pipeline(bulkhead({ maxConcurrent: size, maxQueue: 1_000 }), timeout(150, { strategy: 'cooperative' }))
        : timeout(150, { strategy: 'cooperative' });
      const db = resilientPool(p, policy);
      let maxWaiting = 0;
      const sampler = setInterval(() => {
        maxWaiting = Math.max(maxWaiting, p.waitingCount);
      }, 1);
      const calls = Array.from({ length: 24 }, (_, i) =>
        db.query(i % 3 === 0 ? 'SELECT pg_sleep(1)' : 'SELECT pg_sleep(0.02)').catch((e: unknown) => e),
      );
      const outcomes = await Promise.all(calls);
      clearInterval(sampler);
      expect(outcomes.filter((o) => isTimeoutError(o)).length).toBeGreaterThan(0);
      return maxWaiting;
    };
    expect(await run(true)).toBe(0);
    // Without the bulkhead the same load queues in pg's pool (so the measurement can see a queue).
    expect(await run(false)).toBeGreaterThan(0);
  });

  it('transaction commits on success and rolls back when fn throws', async () => {
    const db = resilientPool(pool({ max: 2 }), pipeline());
    const value = await db.transaction(async (client) => {
      await client.query(`INSERT INTO ${table} (id, note) VALUES (10, 'committed')`);
      return 'done';
    });
    expect(value).toBe('done');
    const boom = new Error('boom');
    await expect(
      db.transaction(async (client) => {
        await client.query(`INSERT INTO ${table} (id, note) VALUES (11, 'rolled back')`);
        throw boom;
      }),
    ).rejects.toBe(boom);
    const { rows } = await admin.query(`SELECT id FROM ${table} WHERE id IN (10, 11) ORDER BY id`);
    expect(rows).toEqual([{ id: 10 }]);
    expect(db.idleCount).toBeGreaterThan(0); // a rolled-back client goes back to the pool
  });

  it('transaction begins with the isolation level and access mode asked for', async () => {
    const db = resilientPool(pool({ max: 1 }), pipeline());
    const seen = await db.transaction(
      async (client) =>
        (
          await client.query<{ iso: string; ro: string }>(
            'SELECT current_setting($1) AS iso, current_setting($2) AS ro',
            ['transaction_isolation', 'transaction_read_only'],
          )
        ).rows[0],
      { isolationLevel: 'repeatable read', readOnly: true },
    );
    expect(seen).toEqual({ iso: 'repeatable read', ro: 'on' });
    await expect(
      db.transaction(async (client) => client.query(`INSERT INTO ${table} VALUES (12, 'x')`), { readOnly: true }),
    ).rejects.toMatchObject({
      code: '25006',
    });
  });

  it('a transaction whose signal aborts is cancelled, never committed, and its client closed', async () => {
    const p = pool({ max: 1 });
    const db = resilientPool(p, timeout(100));
    await db.query('SELECT 1');
    await expect(
      db.transaction(async (client) => {
        await client.query(`INSERT INTO ${table} (id, note) VALUES (13, 'never')`);
        await client.query('SELECT pg_sleep(10)');
      }),
    ).rejects.toBeInstanceOf(TimeoutError);
    await expect.poll(() => p.totalCount, { timeout: 1_000, interval: 10 }).toBe(0);
    const { rows } = await admin.query(`SELECT id FROM ${table} WHERE id = 13`);
    expect(rows).toEqual([]);
  });

  it('a constraint violation inside a transaction rolls back, is not retried and does not count for the breaker', async () => {
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 } });
    let attempts = 0;
    const db = resilientPool(
      pool({ max: 1 }),
      pipeline(retry({ maxAttempts: 3, backoff: constant(1), idempotent: true }), breaker),
    );
    await expect(
      db.transaction(
        async (client) => {
          attempts++;
          await client.query(`INSERT INTO ${table} (id, note) VALUES (14, 'a')`);
          await client.query(`INSERT INTO ${table} (id, note) VALUES (14, 'b')`);
        },
        { idempotent: true },
      ),
    ).rejects.toMatchObject({ code: '23505' });
    expect(attempts).toBe(1);
    expect(breaker.state).toBe('closed');
    expect((await admin.query(`SELECT id FROM ${table} WHERE id = 14`)).rows).toEqual([]);
  });

  it('connect() hands out a client whose statements run through the policy and are cancelled on abort', async () => {
    const p = pool({ max: 1 });
    const releasedWith: unknown[] = [];
    p.on('release', (err) => releasedWith.push(err));
    let calls = 0;
    const inner = timeout(100);
    const counting: Policy = {
      execute: (fn, options) => {
        calls++;
        return inner.execute(fn, options);
      },
    };
    const db = resilientPool(p, counting);
    const client = await db.connect();
    expect((await client.query<{ n: number }>('SELECT 7 AS n')).rows).toEqual([{ n: 7 }]);
    await expect(client.query('SELECT pg_sleep(10)')).rejects.toBeInstanceOf(TimeoutError);
    expect(calls).toBe(2);
    client.release();
    expect(releasedWith).toEqual([true]); // released as broken after the abort
    const again = await db.connect();
    expect((await again.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    again.release();
    expect(releasedWith).toEqual([true, undefined]);
    // Back in the pool, the client's query is pg's own again.
    const raw = await p.connect();
    expect(raw.query).toBe(pg.Client.prototype.query);
    raw.release();
  });

  it('rejects callbacks with a TypeError that says the API is promise-only', () => {
    const db = resilientPool(pool({ max: 1 }), pipeline());
    const callback = (): void => undefined;
    expect(() => (db.query as (...a: unknown[]) => unknown)('SELECT 1', callback)).toThrow(/promise API only/);
    expect(() => (db.query as (...a: unknown[]) => unknown)('SELECT 1', [], callback)).toThrow(TypeError);
    expect(() => (db.query as (...a: unknown[]) => unknown)(callback)).toThrow(TypeError);
  });
});
