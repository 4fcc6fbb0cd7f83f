// PostgreSQL through breakwater: this is the part to copy.
//
// One pg.Pool and one policy per database (keyed), each
//   retry -> circuitBreaker -> bulkhead -> timeout
// and the per-attempt signal passed through to the query: pg has no AbortSignal
// support, so on abort we ask the server to cancel the running statement
// (pg_cancel_backend, over a separate short-lived connection), and if the server
// cannot be reached for that, we close the client's connection.
import pg from 'pg';
import { bulkhead, circuitBreaker, exponential, isBrokenCircuitError, keyed, pipeline, retry, timeout } from 'breakwater';

const POOL_SIZE = 5;

export function createDatabases(baseUrl, { queryTimeout = 500, openFor = 1_000 } = {}) {
  const pools = new Map();

  function poolFor(database) {
    let pool = pools.get(database);
    if (pool === undefined) {
      const url = new URL(baseUrl);
      url.pathname = `/${database}`;
      pool = new pg.Pool({ connectionString: url.href, max: POOL_SIZE, connectionTimeoutMillis: 1_000 });
      // An idle client whose connection drops must not crash the process; the pool replaces it.
      pool.on('error', ignoreError);
      pools.set(database, pool);
    }
    return pool;
  }

  const policies = keyed((database) =>
    pipeline(
      // SELECTs are passed as idempotent; anything else is retried only when the
      // error proves the statement never ran (connection refused).
      retry({
        maxAttempts: 3,
        backoff: exponential({ initial: 50, max: 500 }),
        retryOn: (outcome) => !outcome.ok && !isBrokenCircuitError(outcome.error),
        name: `retry:${database}`,
      }),
      circuitBreaker({ window: { kind: 'consecutive', failures: 3 }, openFor, name: `breaker:${database}` }),
      // As many places as the pool has connections: callers wait here, where a
      // queued call can be aborted, instead of in pg's own queue, where it cannot.
      bulkhead({ maxConcurrent: POOL_SIZE, maxQueue: 20, name: `bulkhead:${database}` }),
      timeout(queryTimeout, { name: `timeout:${database}` }),
    ),
  );

  /** Runs one statement on `database`; `idempotent: true` for reads. */
  function query(database, text, values = [], { idempotent = false, signal } = {}) {
    return policies.execute((ctx) => runQuery(poolFor(database), text, values, ctx.signal), { key: database, idempotent, signal });
  }

  async function end() {
    await Promise.all([...pools.values()].map((pool) => pool.end()));
  }

  return { query, policies, pools, end };
}

/** Checks a client out of the pool, runs one statement, and cancels it on the server if `signal` aborts. */
export async function runQuery(pool, text, values, signal) {
  const client = await connect(pool, signal);
  // A checked-out client whose connection drops emits 'error'; the query rejects too, so that is enough.
  client.on('error', ignoreError);
  let cancelling;
  const onAbort = () => {
    cancelling = cancelOnServer(pool, client);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await client.query(text, values);
    return result.rows;
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Give the client back only once a cancel request has landed: a late cancel
    // must never hit the next statement that runs on this connection.
    const broken = cancelling === undefined ? false : !(await cancelling);
    client.removeListener('error', ignoreError);
    client.release(broken);
  }
}

function ignoreError() {}

/** pool.connect() cannot be aborted; if the signal wins, the client goes back when it arrives. */
function connect(pool, signal) {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pool.connect().then(
      (client) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) client.release();
        else resolve(client);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Cancels the statement running on `client` with pg_cancel_backend over a new
 * connection. Resolves true when the server took the request; false when it
 * could not be reached, and then closes the client's connection instead.
 */
async function cancelOnServer(pool, client) {
  const pid = client.processID;
  const canceller = new pg.Client({ ...pool.options, connectionTimeoutMillis: 1_000 });
  canceller.on('error', ignoreError);
  try {
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    return true;
  } catch {
    client.end().catch(() => undefined);
    return false;
  } finally {
    canceller.end().catch(() => undefined);
  }
}
