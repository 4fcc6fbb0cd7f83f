// PostgreSQL through breakwater: this is the part to copy.
//
// One pg.Pool and one policy per database, each
//   retry -> circuitBreaker -> bulkhead -> timeout
// joined by resilientPool from breakwater/pg, which runs every statement
// through the policy, cancels it on the server when its attempt is aborted,
// keeps constraint violations away from the breaker, and lets retry re-send
// what provably never reached the server.
import pg from 'pg';
import { bulkhead, circuitBreaker, exponential, isBrokenCircuitError, pipeline, retry, timeout } from 'breakwater';
import { resilientPool } from 'breakwater/pg';

const POOL_SIZE = 5;

export function createDatabases(baseUrl, { queryTimeout = 500, openFor = 1_000 } = {}) {
  const databases = new Map();

  /** The pool, its policies and the ResilientPool of `name`, made on first use. */
  function database(name) {
    let entry = databases.get(name);
    if (entry === undefined) {
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      const pool = new pg.Pool({ connectionString: url.href, max: POOL_SIZE, connectionTimeoutMillis: 1_000 });
      // An idle client whose connection drops must not crash the process; the pool replaces it.
      pool.on('error', () => undefined);
      const policies = {
        // SELECTs are passed as idempotent; anything else is retried only when the
        // error proves the statement never ran (connection refused).
        retry: retry({
          maxAttempts: 3,
          backoff: exponential({ initial: 50, max: 500 }),
          retryOn: (outcome) => !outcome.ok && !isBrokenCircuitError(outcome.error),
          name: `retry:${name}`,
        }),
        breaker: circuitBreaker({ window: { kind: 'consecutive', failures: 3 }, openFor, name: `breaker:${name}` }),
        // As many places as the pool has connections: callers wait here, where a
        // queued call can be aborted, instead of in pg's own queue, where it cannot.
        bulkhead: bulkhead({ maxConcurrent: POOL_SIZE, maxQueue: 20, name: `bulkhead:${name}` }),
        timeout: timeout(queryTimeout, { name: `timeout:${name}` }),
      };
      const db = resilientPool(pool, pipeline(policies.retry, policies.breaker, policies.bulkhead, policies.timeout), {
        name,
      });
      entry = { pool, db, policies };
      databases.set(name, entry);
    }
    return entry;
  }

  /** Runs one statement on `name`; `idempotent: true` for reads. */
  function query(name, text, values = [], { idempotent = false, signal } = {}) {
    return database(name)
      .db.query(text, values, { idempotent, signal, key: name })
      .then((result) => result.rows);
  }

  async function end() {
    await Promise.all([...databases.values()].map(({ db }) => db.end()));
  }

  return { query, database, names: () => [...databases.keys()].sort(), end };
}
