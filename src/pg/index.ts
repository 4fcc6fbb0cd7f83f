import type { Policy } from 'breakwater';
import type { Pool } from 'pg';
import { type OptionNames, describe, isBoolean, isFunction, nonEmptyString, optionsObject } from '../core/validate.js';
import { isPgClientError, isPgRolledBack } from './classify.js';
import { PG_KIND } from './constants.js';
import type { ResilientPoolOptions } from './options.js';
import { ResilientPool } from './pool.js';

export { isPgClientError, isPgNotSent, isPgRolledBack } from './classify.js';
export { CANCEL_GRACE_MS, CLIENT_ERROR_CLASSES, NOT_SENT_CODES, ROLLED_BACK_CODES } from './constants.js';
export type { IsolationLevel, ResilientPoolOptions, TransactionOptions } from './options.js';
export type { PgDefaultArrayRow, PgDefaultRow, PgDefaultValues, ResilientPool } from './pool.js';

type Predicate = (error: unknown) => boolean;

/** A user's predicate that throws is treated as false, as for retry's `retryOn`. */
function guarded(option: string, value: unknown): Predicate {
  const predicate = isFunction<Predicate>(PG_KIND, option, value);
  return (error) => {
    try {
      return predicate(error) === true;
    } catch {
      return false;
    }
  };
}

/** Every option name of ResilientPoolOptions; any other key is a TypeError. */
const RESILIENT_POOL_OPTIONS: OptionNames<ResilientPoolOptions> = {
  idempotent: true,
  name: true,
  clientError: true,
  rolledBack: true,
};

/**
 * Wraps a `pg.Pool` so that each statement, and each transaction as a whole,
 * runs through `policy`.
 *
 * - When an attempt's signal aborts (timeout, caller, lost hedge), the
 *   running statement is cancelled on the server with PostgreSQL's cancel
 *   request and its client is closed (`release(true)`), never returned to
 *   the pool mid-statement.
 * - Errors of SQLSTATE class 22 and 23 are the database's answer: the policy
 *   sees them as a value (no breaker counts them, no retry re-runs them) and
 *   the caller gets them rethrown, unchanged.
 * - A transaction that PostgreSQL rolled back (40001, 40P01) fails with
 *   `executed === false`, so retry runs it again whatever its idempotency.
 *   Errors of `pool.connect()` (connection refused, …) satisfy
 *   {@link isPgNotSent}; retry's default `notExecuted` knows their codes, and
 *   a breaker counts them (the server is down).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { bulkhead, circuitBreaker, pipeline, retry, timeout } from 'breakwater';
 * import { resilientPool } from 'breakwater/pg';
 *
 * const pool = new pg.Pool({ max: 10, connectionTimeoutMillis: 2_000 });
 * const db = resilientPool(pool, pipeline(retry(), circuitBreaker(), bulkhead({ maxConcurrent: 10, maxQueue: 100 }), timeout(1_000)));
 * const { rows } = await db.query<{ id: number }>('SELECT id FROM items WHERE sku = $1', ['A-7'], { idempotent: true });
 * ```
 *
 * @remarks
 * Gotchas: promise API only (a callback is a `TypeError`). With an aggressive
 * timeout the caller gets the `TimeoutError` at once while the cancel finishes;
 * a bulkhead keeps the connection's place until it has. Put a bulkhead of the
 * pool's size in front, so that callers wait where a wait can be aborted.
 */
export function resilientPool(pool: Pool, policy: Policy, options?: ResilientPoolOptions): ResilientPool {
  if (typeof pool !== 'object' || pool === null || typeof (pool as Partial<Pool>).connect !== 'function') {
    throw new TypeError(`${PG_KIND}: pool must be a pg.Pool, got ${describe(pool)}`);
  }
  if (typeof policy !== 'object' || policy === null || typeof (policy as Partial<Policy>).execute !== 'function') {
    throw new TypeError(`${PG_KIND}: policy must be an object with an execute method, got ${describe(policy)}`);
  }
  const o = optionsObject<ResilientPoolOptions>(PG_KIND, options, RESILIENT_POOL_OPTIONS);
  return new ResilientPool({
    pool,
    policy,
    name: o.name === undefined ? PG_KIND : nonEmptyString(PG_KIND, 'name', o.name),
    idempotent: o.idempotent === undefined ? undefined : isBoolean(PG_KIND, 'idempotent', o.idempotent),
    clientError: o.clientError === undefined ? isPgClientError : guarded('clientError', o.clientError),
    rolledBack: o.rolledBack === undefined ? isPgRolledBack : guarded('rolledBack', o.rolledBack),
  });
}
