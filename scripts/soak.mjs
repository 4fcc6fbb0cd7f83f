// Soak test: many calls through retry → circuitBreaker → bulkhead → timeout on
// the real clock, against a dependency with random faults and latencies.
// Checks that memory does not grow and that nothing is left running.
//
//   npm run soak        1,000,000 calls (a few minutes)
//   npm run soak:ci       100,000 calls
//   node --expose-gc scripts/soak.mjs --calls 50000 --concurrency 256 --seed 7
//
// Exits non-zero when the heap grew by 5 MB or more (after GC), when timers or
// immediates are still active at the end, or when a call never settled.
import { bulkhead, circuitBreaker, exponential, pipeline, retry, timeout } from '../dist/index.js';
import { seededRandom } from '../dist/testing/index.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const TOTAL = option('calls', 1_000_000);
const CONCURRENCY = option('concurrency', 256);
const SEED = option('seed', 1);
const WARMUP = Math.min(20_000, Math.floor(TOTAL / 10));
const MAX_HEAP_GROWTH = 5 * 1024 * 1024;

if (typeof globalThis.gc !== 'function') {
  console.error('soak: run with node --expose-gc');
  process.exit(2);
}

const random = seededRandom(SEED);
const policy = pipeline(
  retry({ maxAttempts: 3, backoff: exponential({ initial: 1, max: 4 }), random: seededRandom(SEED + 1) }),
  circuitBreaker({
    window: { kind: 'count', size: 50 },
    minimumCalls: 20,
    failureRate: 0.6,
    openFor: 5,
    halfOpen: { probes: 2, maxWait: 50 },
  }),
  bulkhead({ maxConcurrent: 64, maxQueue: 128, queueTimeout: 20 }),
  timeout(5),
);

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const failure = () => new Error('dependency failed');

/**
 * The dependency: mostly fast successes, some failures (some provably not
 * executed, so even non-idempotent calls are retried), a few latencies of
 * 0–2 ms, a few calls that hang until the timeout aborts them, and regular
 * outages.
 */
function dependency(ctx) {
  const r = random();
  // An outage during 1,500 of every 20,000 calls started: most fail, the breaker opens.
  if (started % 20_000 >= 18_500 && r < 0.85) return Promise.reject(r < 0.7 ? failure() : refused());
  if (r < 0.8) return 'ok';
  if (r < 0.86) return Promise.reject(failure());
  if (r < 0.9) return Promise.reject(refused());
  if (r < 0.95) return new Promise((resolve) => setImmediate(resolve, 'ok'));
  const signal = ctx.signal;
  return new Promise((resolve, reject) => {
    const hangs = r >= 0.99;
    const timer = hangs ? undefined : setTimeout(() => done(resolve, 'ok'), Math.floor(random() * 3));
    const onAbort = () => done(reject, signal.reason);
    const done = (settle, value) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      settle(value);
    };
    signal.addEventListener('abort', onAbort);
  });
}

const outcomes = new Map();
let started = 0;
let settled = 0;
let aborts = 0;

function record(name) {
  outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
}

async function lane(until) {
  while (started < until) {
    started++;
    const n = started;
    // One call in a hundred has a caller signal, and one in a thousand is aborted by its caller.
    const controller = n % 100 === 0 ? new AbortController() : undefined;
    const reason = new Error('caller gave up');
    if (n % 1_000 === 0 && controller !== undefined) {
      aborts++;
      setImmediate(() => controller.abort(reason));
    }
    try {
      await policy.execute(dependency, { idempotent: n % 2 === 0, signal: controller?.signal });
      record('ok');
    } catch (error) {
      record(error === reason ? 'caller abort (signal.reason)' : (error?.name ?? 'unknown'));
    }
    settled++;
  }
}

async function run(until) {
  await Promise.all(Array.from({ length: CONCURRENCY }, () => lane(until)));
}

const activeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate');
const heap = () => {
  for (let i = 0; i < 4; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

await run(WARMUP);
// Let the breaker's last open period and any stray immediates pass before measuring.
await new Promise((resolve) => setTimeout(resolve, 20));
const before = heap();
const startedAt = performance.now();
await run(TOTAL);
const elapsed = performance.now() - startedAt;
await new Promise((resolve) => setImmediate(resolve));
const after = heap();
const left = activeTimers();
const growth = after - before;
const measured = TOTAL - WARMUP;

console.log(
  `soak: ${TOTAL.toLocaleString('en')} calls (${WARMUP.toLocaleString('en')} warm-up), concurrency ${CONCURRENCY}, seed ${SEED}, node ${process.version}`,
);
console.log(`  pipeline: retry(3) → circuitBreaker(count 50) → bulkhead(64 + 128 queued) → timeout(5 ms)`);
console.log(
  `  outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}; caller aborts sent ${aborts}`,
);
console.log(
  `  calls per second: ${Math.round((measured / elapsed) * 1000).toLocaleString('en')} (${(elapsed / 1000).toFixed(1)} s for ${measured.toLocaleString('en')} calls)`,
);
console.log(
  `  heap after GC: before ${mb(before)}, after ${mb(after)}, growth ${mb(growth)} (limit ${mb(MAX_HEAP_GROWTH)})`,
);
console.log(
  `  active timers and immediates at the end: ${left.length}${left.length > 0 ? ` (${left.join(', ')})` : ''}`,
);
console.log(`  active resources: ${JSON.stringify(process.getActiveResourcesInfo())}`);

const failures = [];
if (settled !== TOTAL) failures.push(`${TOTAL - settled} calls never settled`);
if (growth >= MAX_HEAP_GROWTH) failures.push(`heap grew by ${mb(growth)}`);
if (left.length > 0) failures.push(`${left.length} timers or immediates still active`);
if (failures.length > 0) {
  console.error(`soak: FAILED: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('soak: passed');
