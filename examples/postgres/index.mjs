// PostgreSQL behind retry -> circuitBreaker -> bulkhead -> timeout with breakwater/pg, one pool per database.
//
//   export PGURL="$(scripts/start-postgres.sh)"     # a throwaway server on 127.0.0.1
//   npm run build && node examples/postgres/index.mjs [--json]
//   scripts/stop-postgres.sh --clean
//
// It shows: a query timeout that really cancels the statement on the server; a
// pool and a policy per database; the bulkhead keeping callers out of pg's own
// queue; and the breaker opening when the server stops, then closing when it is back.
import pg from 'pg';
import { isBreakwaterError } from 'breakwater';
import { createDatabases } from './db.mjs';
import { startProxy } from './tcp-proxy.mjs';

const json = process.argv.includes('--json');
const PGURL = process.env.PGURL;
if (!PGURL) {
  console.log('PGURL is not set: this example needs a PostgreSQL server. Start a throwaway one on 127.0.0.1 with');
  console.log('  export PGURL="$(scripts/start-postgres.sh)"');
  console.log('(needs the PostgreSQL server binaries: apt-get install postgresql, or brew install postgresql),');
  console.log('then run: node examples/postgres/index.mjs; stop it with scripts/stop-postgres.sh --clean');
  process.exit(json ? 3 : 0);
}
const log = (...args) => {
  if (!json) console.log(...args);
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const outcomeOf = (error) => (isBreakwaterError(error) ? error.name : (error?.code ?? error?.message ?? String(error)));

// Two databases, each with its own pool and its own breaker.
const DATABASES = ['bw_inventory', 'bw_billing'];
const admin = new pg.Client({ connectionString: PGURL });
await admin.connect();
for (const name of DATABASES) {
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
}

// The example talks to the server through a proxy it can stop (see tcp-proxy.mjs).
const target = new URL(PGURL);
const proxy = await startProxy(target.hostname, Number(target.port || 5432));
const viaProxy = new URL(PGURL);
viaProxy.hostname = '127.0.0.1';
viaProxy.port = String(proxy.port);

const db = createDatabases(viaProxy.href, { queryTimeout: 500, openFor: 1_000 });
const summary = {};
const breakerStates = {};
const bulkheadRejections = {};

// 1. A pool per database.
for (const name of DATABASES) {
  const [row] = await db.query(name, 'SELECT current_database() AS db', [], { idempotent: true });
  log(`connected to ${row.db}`);
}
// Each database got its own pool and pipeline; listen to its breaker and bulkhead.
for (const name of DATABASES) {
  const { breaker, bulkhead } = db.database(name).policies;
  breakerStates[name] = [];
  bulkheadRejections[name] = 0;
  breaker.on('stateChange', (e) => breakerStates[name].push(`${e.from}->${e.to}`));
  bulkhead.on('rejected', () => bulkheadRejections[name]++);
}
summary.pools = db.names();
summary.policies = db.names().filter((name) => db.database(name).db.policy !== undefined);
log(`pools: ${summary.pools.join(', ')}; one policy each: ${summary.policies.join(', ')}`);

// 2. A query timeout: pg_sleep(5) under a 500 ms timeout, cancelled on the server.
{
  const started = performance.now();
  let outcome = 'ok';
  try {
    await db.query('bw_inventory', "SELECT pg_sleep(5), 'breakwater-sleep' AS tag");
  } catch (error) {
    outcome = outcomeOf(error);
  }
  const ms = Math.round(performance.now() - started);
  // Is the statement still running on the server? Poll pg_stat_activity briefly.
  let stillRunning = 1;
  for (let i = 0; i < 40 && stillRunning > 0; i++) {
    const { rows } = await admin.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%breakwater-sleep%' AND pid <> pg_backend_pid()",
    );
    stillRunning = rows[0].n;
    if (stillRunning > 0) await sleep(25);
  }
  summary.timeout = { outcome, ms, stillRunningOnServer: stillRunning };
  log(
    `pg_sleep(5) under timeout(500): ${outcome} after ${ms} ms; still running on the server: ${stillRunning > 0 ? 'yes' : 'no (cancelled)'}`,
  );
}

// 3. The bulkhead: 30 queries at once on a pool of 5 connections (5 run, 20 wait, 5 are refused).
{
  const { pool } = db.database('bw_billing');
  let active = 0;
  let maxActive = 0;
  let maxWaiting = 0;
  const onAcquire = () => {
    active++;
    maxActive = Math.max(maxActive, active);
  };
  // pg's waitingCount, sampled every millisecond: callers queued in pg's pool, where no abort reaches them.
  const sampler = setInterval(() => (maxWaiting = Math.max(maxWaiting, pool.waitingCount)), 1);
  const onRelease = () => active--;
  pool.on('acquire', onAcquire);
  pool.on('release', onRelease);
  const outcomes = {};
  await Promise.all(
    Array.from({ length: 30 }, () =>
      db.query('bw_billing', 'SELECT pg_sleep(0.05)', [], { idempotent: true }).then(
        () => (outcomes.ok = (outcomes.ok ?? 0) + 1),
        (error) => (outcomes[outcomeOf(error)] = (outcomes[outcomeOf(error)] ?? 0) + 1),
      ),
    ),
  );
  clearInterval(sampler);
  pool.off('acquire', onAcquire);
  pool.off('release', onRelease);
  summary.bulkhead = { maxActive, maxWaiting, outcomes, rejections: bulkheadRejections.bw_billing };
  log(
    `30 queries at once on bw_billing: at most ${maxActive} ran at a time, ${maxWaiting} waited in pg's own queue; ` +
      `the bulkhead refused ${bulkheadRejections.bw_billing} attempts (retry tried them again after its backoff); outcomes ${JSON.stringify(outcomes)}`,
  );
}

// 4. The server stops: the breaker of bw_inventory opens and calls fail fast.
await proxy.stop();
{
  const outcomes = {};
  let attempts = 0;
  const times = [];
  const countAttempt = (e) => {
    if (e.outcome.ok || e.outcome.error?.name !== 'BrokenCircuitError') attempts++;
  };
  db.database('bw_inventory').policies.retry.on('attempt', countAttempt);
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    try {
      await db.query('bw_inventory', 'SELECT 1', [], { idempotent: true });
      outcomes.ok = (outcomes.ok ?? 0) + 1;
    } catch (error) {
      const o = outcomeOf(error);
      outcomes[o] = (outcomes[o] ?? 0) + 1;
    }
    times.push(Math.round(performance.now() - started));
  }
  db.database('bw_inventory').policies.retry.off('attempt', countAttempt);
  summary.outage = { calls: 10, attemptsReachingClient: attempts, outcomes, lastCallMs: times[times.length - 1] };
  log(
    `server stopped: 10 calls, ${attempts} reached the pg client; ${JSON.stringify(outcomes)}; the last took ${times[times.length - 1]} ms`,
  );
  log(`breaker of bw_inventory: ${db.database('bw_inventory').policies.breaker.state}`);
}

// 5. The server is back: after openFor, a probe closes the breaker.
await proxy.start();
await sleep(1_100);
{
  const [row] = await db.query('bw_inventory', 'SELECT 42 AS answer', [], { idempotent: true });
  summary.recovery = { answer: row.answer, state: db.database('bw_inventory').policies.breaker.state };
  log(`server back: SELECT 42 -> ${row.answer}; breaker ${summary.recovery.state}`);
}
summary.breakerStates = breakerStates;
log(`breaker changes: ${JSON.stringify(breakerStates)}`);

await db.end();
await proxy.stop();
await admin.end();
if (json) console.log(JSON.stringify(summary));
