// timeout: success path against the floor, a hand-rolled setTimeout wrapper and the peers.
import { timeout as cockatielTimeout, TimeoutStrategy } from 'cockatiel';
import CircuitBreaker from 'opossum';

const fn = async () => 1;

/** What a careful engineer writes by hand: race the call against a timer, clear it after. */
function handRolled(call, ms) {
  let timer;
  return new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
    call().then(resolve, reject);
  }).finally(() => clearTimeout(timer));
}

const sharedError = new Error('timeout');

/** The lean floor: one timer with its argument (no closure), one closure pair on the call, no `.finally`. */
function lean(call, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(reject, ms, sharedError);
    call().then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export function register({ lib, compare }) {
  const aggressive = lib.timeout(5_000);
  const cooperative = lib.timeout(5_000, { strategy: 'cooperative' });
  const cockatielCoop = cockatielTimeout(5_000, TimeoutStrategy.Cooperative);
  const cockatielAggr = cockatielTimeout(5_000, TimeoutStrategy.Aggressive);
  const opossum = new CircuitBreaker(fn, { timeout: 5_000, volumeThreshold: 1e9 });

  compare('timeout: success path', [
    ['floor: await fn()', async () => await fn()],
    ['lean floor: setTimeout(reject, ms, err) + clearTimeout', () => lean(fn, 5_000), { baseline: true }],
    ['hand-rolled setTimeout + clearTimeout (.finally)', () => handRolled(fn, 5_000)],
    ['breakwater timeout (aggressive)', () => aggressive.execute(fn)],
    ['breakwater timeout (cooperative)', () => cooperative.execute(fn)],
    ['cockatiel timeout (cooperative)', () => cockatielCoop.execute(fn)],
    ['cockatiel timeout (aggressive)', () => cockatielAggr.execute(fn)],
    ['opossum with timeout', () => opossum.fire()],
  ]);
}

export async function scenarios({ lib }) {
  // 100,000 concurrent calls, each under a 5 s timeout: wall time to settle them all.
  const n = 100_000;
  const rows = [];
  // Best of three runs, each after a full GC, so that one contender's garbage is not billed to the next.
  const measure = async (name, start) => {
    let best = Infinity;
    for (let round = 0; round < 3; round++) {
      globalThis.gc?.();
      const t0 = performance.now();
      const all = new Array(n);
      for (let i = 0; i < n; i++) all[i] = start();
      await Promise.all(all);
      best = Math.min(best, performance.now() - t0);
    }
    rows.push([name, best]);
  };
  const slow = () => new Promise((r) => setImmediate(r));
  const bw = lib.timeout(5_000);
  const ck = cockatielTimeout(5_000, TimeoutStrategy.Cooperative);
  const op = new CircuitBreaker(slow, { timeout: 5_000, volumeThreshold: 1e9 });
  await measure('hand-rolled', () => handRolled(slow, 5_000));
  await measure('breakwater timeout', () => bw.execute(slow));
  await measure('cockatiel timeout (cooperative)', () => ck.execute(slow));
  await measure('opossum with timeout', () => op.fire());
  op.shutdown();
  console.log(
    `## timeout: ${n.toLocaleString('en')} concurrent calls, each under a 5 s timeout (wall ms, best of 3)\n`,
  );
  console.log('| what | ms | × hand-rolled |\n|---|---:|---:|');
  for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(0)} | ${(ms / rows[0][1]).toFixed(2)}× |`);
  console.log('');
}
