// cache: a hit against a hand-rolled Map lookup with a TTL check, and what a miss adds to the call it makes.
import { cache } from '../../dist/cache/index.js';

const fn = async () => 1;
const TTL = 3_600_000;

/**
 * What a careful engineer writes by hand: a Map of { value, storedAt }, a TTL
 * check on read, and the oldest entry dropped past `max` (insertion order).
 */
function handRolledCache(ttl, max = Infinity) {
  const map = new Map();
  return (key, call) => {
    const entry = map.get(key);
    if (entry !== undefined && performance.now() - entry.storedAt < ttl) return Promise.resolve(entry.value);
    return call().then((value) => {
      map.set(key, { value, storedAt: performance.now() });
      if (map.size > max) map.delete(map.keys().next().value);
      return value;
    });
  };
}

export async function register({ compare }) {
  const bw = cache({ ttl: TTL });
  const hand = handRolledCache(TTL);
  const hit = { key: 'k', idempotent: true };
  await bw.execute(fn, hit);
  await hand('k', fn);
  const controller = new AbortController();
  const hitWithSignal = { key: 'k', idempotent: true, signal: controller.signal };

  compare('cache: hit', [
    ['floor: await fn() (cache group)', async () => await fn()],
    ['hand-rolled Map + TTL check, hit', () => hand('k', fn), { baseline: true }],
    ['breakwater cache, hit', () => bw.execute(fn, hit)],
    ['breakwater cache, hit, with a signal', () => bw.execute(fn, hitWithSignal)],
  ]);

  // Every call misses: 100,000 keys in turn through 1,000 entries, so each key was evicted long ago.
  const keys = Array.from({ length: 100_000 }, (_, i) => ({ key: `k${i}`, idempotent: true }));
  let i = 0;
  let j = 0;
  const missing = cache({ ttl: TTL, maxEntries: 1_000 });
  const handMissing = handRolledCache(TTL, 1_000);
  const passThrough = cache({ ttl: TTL });
  // Every call misses on an expired entry of one key (the smallest ttl there is): lookup, run, store in place.
  const expiring = cache({ ttl: Number.MIN_VALUE });
  const handExpiring = handRolledCache(Number.MIN_VALUE);
  const one = { key: 'k', idempotent: true };
  compare('cache: miss on an expired entry (what it adds to the call it makes)', [
    ['floor: await fn() (cache refresh group)', async () => await fn(), { baseline: true }],
    ['hand-rolled Map + TTL check, miss (run, store)', () => handExpiring('k', fn)],
    ['breakwater cache, miss (run, store)', () => expiring.execute(fn, one)],
  ]);

  compare('cache: miss (what it adds to the call it makes)', [
    ['floor: await fn() (cache miss group)', async () => await fn(), { baseline: true }],
    ['breakwater cache, not cacheable (no key)', () => passThrough.execute(fn, { idempotent: true })],
    ['hand-rolled Map + TTL check, miss (run, store, evict)', () => handMissing(keys[(j = (j + 1) % 100_000)].key, fn)],
    ['breakwater cache, miss (run, store, evict)', () => missing.execute(fn, keys[(i = (i + 1) % 100_000)])],
  ]);
}
