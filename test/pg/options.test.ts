// resilientPool's options and arguments, checked without a server (a pool
// whose connect() is never reached).
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { circuitBreaker, pipeline } from 'breakwater';
import { isPgNotSent, resilientPool } from '../../src/pg/index.js';

const fakePool = {
  connect: () => Promise.reject(new Error('not connected')),
  query: () => undefined,
} as unknown as pg.Pool;
const policy = pipeline();

describe('resilientPool options', () => {
  it('rejects a missing pool or policy, naming it', () => {
    expect(() => resilientPool(undefined as never, policy)).toThrow(
      new TypeError('resilientPool: pool must be a pg.Pool, got undefined'),
    );
    expect(() => resilientPool(fakePool, {} as never)).toThrow(
      new TypeError('resilientPool: policy must be an object with an execute method, got an object'),
    );
  });

  it('rejects bad option values and unknown keys, naming them', () => {
    expect(() => resilientPool(fakePool, policy, { idempotent: 'yes' as never })).toThrow(
      new TypeError('resilientPool: idempotent must be a boolean, got "yes"'),
    );
    expect(() => resilientPool(fakePool, policy, { name: '' })).toThrow(
      new TypeError('resilientPool: name must be a non-empty string, got ""'),
    );
    expect(() => resilientPool(fakePool, policy, { clientError: 1 as never })).toThrow(
      new TypeError('resilientPool: clientError must be a function, got 1'),
    );
    expect(() => resilientPool(fakePool, policy, { rolledBack: null as never })).toThrow(TypeError);
    expect(() => resilientPool(fakePool, policy, { notSent: isPgNotSent } as never)).toThrow(
      new TypeError('resilientPool: unknown option notSent (known: idempotent, name, clientError, rolledBack)'),
    );
    expect(() => resilientPool(fakePool, policy, { timeout: 5 } as never)).toThrow(
      new TypeError('resilientPool: unknown option timeout (known: idempotent, name, clientError, rolledBack)'),
    );
    expect(() => resilientPool(fakePool, policy, 5 as never)).toThrow(
      new TypeError('resilientPool: options must be an object, got 5'),
    );
  });

  it('has a name, the default first', () => {
    expect(resilientPool(fakePool, policy).name).toBe('resilientPool');
    expect(resilientPool(fakePool, policy, { name: 'orders' }).name).toBe('orders');
  });

  it('throws a TypeError for pg’s callback overloads and for Submittables', () => {
    const db = resilientPool(fakePool, policy);
    const query = db.query.bind(db) as (...args: unknown[]) => unknown;
    const callback = (): void => undefined;
    expect(() => query('SELECT 1', callback)).toThrow(/promise API only/);
    expect(() => query('SELECT 1', [], callback)).toThrow(TypeError);
    expect(() => query({ text: 'SELECT 1' }, callback)).toThrow(TypeError);
    expect(() => query({ submit: () => undefined })).toThrow(/connect\(\)/);
  });

  it('transaction rejects bad options through its promise, naming them', async () => {
    const db = resilientPool(fakePool, policy);
    const fn = async (): Promise<void> => undefined;
    await expect(db.transaction(fn, { isolationLevel: 'snapshot' as never })).rejects.toThrow(
      new RangeError(
        'resilientPool: isolationLevel must be one of "read committed", "repeatable read", "serializable", got "snapshot"',
      ),
    );
    await expect(db.transaction(fn, { readOnly: 1 as never })).rejects.toThrow(
      new TypeError('resilientPool: readOnly must be a boolean, got 1'),
    );
    await expect(db.transaction(fn, { isolation: 'serializable' } as never)).rejects.toThrow(
      new TypeError('resilientPool: unknown transaction option isolation'),
    );
    await expect(db.transaction(undefined as never)).rejects.toThrow(TypeError);
  });

  it('a failed pool.connect() proves nothing was sent (isPgNotSent), yet keeps executed unset so that breakers count it', async () => {
    const db = resilientPool(fakePool, policy);
    const error = await db.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'not connected' });
    expect(isPgNotSent(error)).toBe(true);
    expect((error as { executed?: unknown }).executed).toBeUndefined();
    const inTransaction = await db.transaction(async () => 1).catch((e: unknown) => e);
    expect(isPgNotSent(inTransaction)).toBe(true);
    expect(isPgNotSent(new Error('not connected'))).toBe(false);
  });

  it('a clientError predicate that throws counts as false: the error then reaches the breaker', async () => {
    const duplicate = Object.assign(new Error('duplicate key'), { code: '23505' });
    const client = {
      query: () => Promise.reject(duplicate),
      on: () => client,
      removeListener: () => client,
      release: () => undefined,
    };
    const pool = { connect: () => Promise.resolve(client), query: () => undefined } as unknown as pg.Pool;
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 } });
    const db = resilientPool(pool, breaker, {
      clientError: () => {
        throw new Error('bad predicate');
      },
    });
    await expect(db.query('INSERT …')).rejects.toBe(duplicate);
    expect(breaker.state).toBe('open');
    // With the default, the same error is the database's answer.
    const answered = circuitBreaker({ window: { kind: 'consecutive', failures: 1 } });
    await expect(resilientPool(pool, answered).query('INSERT …')).rejects.toBe(duplicate);
    expect(answered.state).toBe('closed');
  });
});
