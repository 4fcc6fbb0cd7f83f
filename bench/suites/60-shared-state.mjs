// Rate limits with a shared store: admission through memoryStore (micro, mitata), and on a real
// Redis (REDIS_URL, from scripts/start-redis.sh) the added latency per admitted call of
// redisStore strict and lease against a local rateLimit and rate-limiter-flexible's
// RateLimiterRedis, on the same server and client (ioredis), in one run. Without REDIS_URL the
// Redis rows are skipped with a note.
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { redisStore } from '../../dist/redis/index.js';

const fn = async () => 1;
const big = 1e9; // a bucket that never runs dry: every call is admitted, so this measures admission alone

export function register({ lib, compare }) {
  const local = lib.rateLimit({ limit: big, perMs: 1, burst: big });
  const store = lib.memoryStore();
  const strict = lib.rateLimit({ name: 'bench-strict', limit: big, perMs: 1, burst: big, store });
  const lease = lib.rateLimit({
    name: 'bench-lease',
    limit: big,
    perMs: 1,
    burst: big,
    store,
    mode: 'lease',
    lease: 100,
  });
  compare('rateLimit with a store: admission (memoryStore)', [
    ['local rateLimit', () => local.execute(fn), { baseline: true }],
    ['memoryStore, strict', () => strict.execute(fn)],
    ['memoryStore, lease 100', () => lease.execute(fn)],
  ]);

  // The default time window; the store is written behind at most every syncMs, so its cost is amortised.
  const plain = lib.circuitBreaker();
  const opens = lib.circuitBreaker({ name: 'bench-opens', store: lib.memoryStore() });
  const counts = lib.circuitBreaker({ name: 'bench-counts', store: lib.memoryStore(), share: 'counts' });
  compare('circuitBreaker with a store: success path (goal <= 1.3x)', [
    ['plain circuitBreaker', () => plain.execute(fn), { baseline: true }],
    ["circuitBreaker, store, share 'opens'", () => opens.execute(fn)],
    ["circuitBreaker, store, share 'counts'", () => counts.execute(fn)],
  ]);
}

const CALLS = Number(process.env.BENCH_REDIS_CALLS ?? 5_000);

const ROUNDS = 10;

/**
 * Sequential calls, each timed; the rows take turns in ROUNDS rounds so that a
 * loaded machine's drift falls on every row alike.
 */
async function latencies(rows) {
  for (const [, call] of rows) for (let i = 0; i < 500; i++) await call(); // warm up: JIT, script cache, connections
  const per = Math.ceil(CALLS / ROUNDS);
  const samples = rows.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let r = 0; r < rows.length; r++) {
      const call = rows[r][1];
      for (let i = 0; i < per; i++) {
        const t = performance.now();
        await call();
        samples[r].push(performance.now() - t);
      }
    }
  }
  return rows.map(([label], r) => {
    const s = samples[r].sort((a, b) => a - b);
    return { label, p50: s[Math.floor(s.length / 2)], mean: s.reduce((a, b) => a + b, 0) / s.length };
  });
}

export async function scenarios({ lib }) {
  const url = process.env.REDIS_URL;
  console.log('## rateLimit with a store: latency per admitted call on loopback Redis\n');
  if (url === undefined) {
    console.log('(skipped: no REDIS_URL; start one with `export REDIS_URL="$(scripts/start-redis.sh)"`)\n');
    return;
  }
  const client = new Redis(url, { enableOfflineQueue: false, lazyConnect: true });
  await client.connect();
  const prefix = `bench-${process.pid}:`;
  const store = redisStore({ client, prefix, commandTimeout: 1_000 });
  const local = lib.rateLimit({ limit: big, perMs: 1, burst: big });
  const strict = lib.rateLimit({ name: 'bench', limit: big, perMs: 1, burst: big, store });
  const lease = lib.rateLimit({
    name: 'bench-lease',
    limit: big,
    perMs: 1,
    burst: big,
    store,
    mode: 'lease',
    lease: 100,
  });
  const flexible = new RateLimiterRedis({ storeClient: client, keyPrefix: `${prefix}rlf`, points: big, duration: 1 });
  const rows = await latencies([
    ['local rateLimit', () => local.execute(fn)],
    ['redisStore, strict (ioredis)', () => strict.execute(fn)],
    [`redisStore, lease ${lease.lease} (ioredis)`, () => lease.execute(fn)],
    ['rate-limiter-flexible RateLimiterRedis.consume (ioredis)', () => flexible.consume('k').then(fn)],
  ]);
  const base = rows[0];
  console.log(`Node ${process.version}, ${CALLS} sequential calls per row in ${ROUNDS} interleaved rounds\n`);
  console.log('| what | p50 | mean | p50 added over local | p50 × local |');
  console.log('|---|---:|---:|---:|---:|');
  const us = (ms) => `${(ms * 1_000).toFixed(1)} µs`;
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${us(r.p50)} | ${us(r.mean)} | ${us(r.p50 - base.p50)} | ${(r.p50 / base.p50).toFixed(2)}× |`,
    );
  }
  console.log('');
  client.disconnect();
}
