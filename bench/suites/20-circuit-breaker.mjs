// circuit breaker: success path, open-circuit rejection, and failing calls on a full window.
import { circuitBreaker as cockatielBreaker, ConsecutiveBreaker, SamplingBreaker, handleAll } from 'cockatiel';
import CircuitBreaker from 'opossum';

const ok = async () => 1;
const noop = () => {};
/**
 * A realistic failing call: a dependency's client builds its Error (with a
 * stack) in a later tick, when the response or the socket error arrives.
 */
const failing = async () => {
  await undefined;
  throw new Error('dependency down');
};
/**
 * The same error built synchronously inside `fn`: its stack then includes
 * every frame between the caller and `fn`, and V8's stack capture costs about
 * 250 ns per frame, so any wrapper (even `pipeline()` with no policy) pays
 * for its depth here. Shown for transparency.
 */
const failingSync = async () => {
  throw new Error('dependency down');
};

export function register({ lib, testing, compare }) {
  // Success path.
  const bwConsecutive = lib.circuitBreaker({ window: { kind: 'consecutive', failures: 5 } });
  const bwTime = lib.circuitBreaker(); // default: time window, 10 s in 10 buckets
  const ckConsecutive = cockatielBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
  const ckSampling = cockatielBreaker(handleAll, {
    halfOpenAfter: 10_000,
    breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000, minimumRps: 2 }),
  });
  const opossum = new CircuitBreaker(ok, { timeout: false });

  compare('circuit breaker: success path (closed)', [
    ['floor: await fn()', async () => await ok()],
    ['cockatiel ConsecutiveBreaker', () => ckConsecutive.execute(ok), { baseline: true }],
    ['cockatiel SamplingBreaker', () => ckSampling.execute(ok)],
    ['opossum', () => opossum.fire()],
    ['breakwater consecutive window', () => bwConsecutive.execute(ok)],
    ['breakwater time window (default)', () => bwTime.execute(ok)],
  ]);

  // Open-circuit rejection: every peer opened by failures, then held open.
  const bwOpen = lib.circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openFor: 1e12 });
  bwOpen.execute(failingSync).catch(noop);
  const ckOpen = cockatielBreaker(handleAll, { halfOpenAfter: 2 ** 31 - 1, breaker: new ConsecutiveBreaker(1) });
  ckOpen.execute(failingSync).catch(noop);
  const opOpen = new CircuitBreaker(ok, { timeout: false, resetTimeout: 2 ** 31 - 1 });
  opOpen.open();

  compare('circuit breaker: open-circuit rejection', [
    ['cockatiel (open)', () => ckOpen.execute(ok).catch(noop), { baseline: true }],
    ['opossum (open)', () => opOpen.fire().catch(noop)],
    ['breakwater (open)', () => bwOpen.execute(ok).catch(noop)],
  ]);

  // Failing calls on a closed breaker whose time window holds 500,000 successes.
  // The virtual clock keeps the window from expiring while the benchmark runs;
  // failureRate 0.99 keeps millions of benchmark failures from opening it.
  const clock = new testing.VirtualClock();
  const full = lib.circuitBreaker({ clock, failureRate: 0.99 });
  const fill = async () => {
    for (let i = 0; i < 500_000; i++) await full.execute(ok);
    if (full.stats.calls !== 500_000) throw new Error('the window should hold 500,000 calls');
  };

  compare('circuit breaker: failing call, time window holding 500,000 successes', [
    ['bare failing call', () => failing().catch(noop), { baseline: true }],
    ['breakwater time window (500,000 successes)', () => full.execute(failing).catch(noop)],
  ]);
  compare('circuit breaker: failing call, error built synchronously inside fn', [
    ['bare failing call (sync error)', () => failingSync().catch(noop), { baseline: true }],
    ['pipeline() with no policy (sync error)', () => lib.pipeline().execute(failingSync).catch(noop)],
    ['breakwater time window (500,000 successes, sync error)', () => full.execute(failingSync).catch(noop)],
  ]);
  return fill();
}
