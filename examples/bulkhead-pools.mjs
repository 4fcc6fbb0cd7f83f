// Two downstream services, one pool each: the slow one fills its own pool and
// is refused at once, while calls to the fast one keep succeeding.
// Run: npm run build && node examples/bulkhead-pools.mjs
import { bulkhead, isBulkheadRejectedError, keyed } from '../dist/index.js';

/** A stand-in for an HTTP client: answers after `ms`, stops when the signal aborts. */
function downstream(name, ms) {
  return ({ signal }) =>
    new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(`${name} ok`);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
}

const services = {
  inventory: downstream('inventory', 20), // healthy: 20 ms
  recommendations: downstream('recommendations', 1_000), // in trouble: 1 s
};

// One pool per dependency: 4 calls at once, 4 more may wait up to 300 ms.
const pools = keyed(() => bulkhead({ maxConcurrent: 4, maxQueue: 4, queueTimeout: 300 }));
pools.on('created', ({ key, pool }) => {
  pool.on('rejected', ({ reason }) => (tally[key][reason] = (tally[key][reason] ?? 0) + 1));
});

const tally = { inventory: { ok: 0 }, recommendations: { ok: 0 } };
const call = (key) =>
  pools.execute(services[key], { key }).then(
    () => tally[key].ok++,
    (error) => {
      if (!isBulkheadRejectedError(error)) throw error;
    },
  );

const started = performance.now();
const calls = [];
// A burst of 20 calls to the dependency in trouble fills its pool: 4 run, 4 wait, 12 are refused at once.
for (let i = 0; i < 20; i++) calls.push(call('recommendations'));
const slowPool = pools.get('recommendations');
console.log(`recommendations pool: ${slowPool.active} running, ${slowPool.queued} queued (full)`);
// Meanwhile the healthy dependency serves 10 rounds of 4 calls through its own pool.
for (let round = 0; round < 10; round++) {
  await Promise.all(Array.from({ length: 4 }, () => call('inventory')));
}
console.log(
  `after ${Math.round(performance.now() - started)} ms: inventory ${tally.inventory.ok} ok, ` +
    `recommendations still ${slowPool.active} running`,
);
await Promise.all(calls);

console.log('\nper dependency:');
for (const [key, counts] of Object.entries(tally)) console.log(`  ${key.padEnd(16)}`, counts);
