// fallback on the success path, rate limit admission and hedge on a fast call, against the floor and the peers.
// cockatiel has no rate limiter, so admission is compared with a hand-rolled token bucket.
import { fallback as cockatielFallback, handleAll } from 'cockatiel';

const fn = async () => 1;

/** What a careful engineer writes by hand: a lazily refilled token bucket. */
function handRolledBucket(limit, perMs, burst) {
  let tokens = burst;
  let last = performance.now();
  return (call) => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - last) * limit) / perMs);
    last = now;
    if (tokens < 1) return Promise.reject(new Error('rate limited'));
    tokens -= 1;
    return call();
  };
}

export function register({ lib, compare }) {
  const bwFallback = lib.fallback(0);
  const bwFallbackFn = lib.fallback(() => 0);
  const ckFallback = cockatielFallback(handleAll, 0);

  compare('fallback: success path', [
    ['floor: await fn() (fallback group)', async () => await fn(), { baseline: true }],
    ['breakwater fallback(value), success', () => bwFallback.execute(fn)],
    ['breakwater fallback(fn), success', () => bwFallbackFn.execute(fn)],
    ['cockatiel fallback(handleAll, value), success', () => ckFallback.execute(fn)],
  ]);

  const fail = () => Promise.reject(new TypeError('down'));
  compare('fallback: failure path (the fallback value is used)', [
    ['floor: fn().catch(() => 0)', () => fail().catch(() => 0), { baseline: true }],
    ['breakwater fallback(value), failure', () => bwFallback.execute(fail)],
    ['cockatiel fallback(handleAll, value), failure', () => ckFallback.execute(fail)],
  ]);

  // A bucket that never runs dry: every call is admitted, so this measures admission alone.
  const big = 1e12;
  const bwLimit = lib.rateLimit({ limit: big, perMs: 1, burst: big });
  const handRolled = handRolledBucket(big, 1, big);
  compare('rateLimit: admission', [
    ['floor: await fn() (rateLimit group)', async () => await fn(), { baseline: true }],
    ['hand-rolled token bucket', () => handRolled(fn)],
    ['breakwater rateLimit', () => bwLimit.execute(fn)],
  ]);

  // An empty bucket: every call is refused (the cost of building the error dominates).
  const bwEmpty = lib.rateLimit({ limit: 1, perMs: 1e9, burst: 1 });
  const handEmpty = handRolledBucket(1, 1e9, 1);
  bwEmpty.execute(fn);
  handEmpty(fn);
  compare('rateLimit: rejection', [
    ['hand-rolled token bucket (new Error)', () => handEmpty(fn).catch(() => 0), { baseline: true }],
    ['breakwater rateLimit (RateLimitedError)', () => bwEmpty.execute(fn).catch(() => 0)],
  ]);

  // hedge on a call that settles before the delay: one timer set and cleared per idempotent call.
  const bwHedge = lib.hedge({ delay: 5_000 });
  const handRolledTimer = () => {
    const timer = setTimeout(() => {}, 5_000);
    return fn().finally(() => clearTimeout(timer));
  };
  compare('hedge: fast call (no hedge needed)', [
    ['hand-rolled setTimeout + clearTimeout (hedge group)', handRolledTimer, { baseline: true }],
    ['breakwater hedge, non-idempotent call (runs as it is)', () => bwHedge.execute(fn)],
    ['breakwater hedge, idempotent call', () => bwHedge.execute(fn, { idempotent: true })],
  ]);
}
