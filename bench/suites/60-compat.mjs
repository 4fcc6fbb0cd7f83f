// The compat shims against the peers they replace, on the peers' own rows:
// success paths, an open circuit's rejection, timeout, bulkhead, retry and the
// four-policy wrap. Each group's baseline is the peer; the ratio is the shim's cost.
import * as cockatiel from 'cockatiel';
import Opossum from 'opossum';
import * as shim from '../../dist/compat/cockatiel/index.js';
import ShimBreaker from '../../dist/compat/opossum/index.js';

const ok = async () => 1;
const noop = () => {};
const failingSync = async () => {
  throw new Error('dependency down');
};

function cockatielRows(c) {
  const retry = c.retry(c.handleAll, { maxAttempts: 3 });
  const breaker = c.circuitBreaker(c.handleAll, { halfOpenAfter: 10_000, breaker: new c.ConsecutiveBreaker(5) });
  const open = c.circuitBreaker(c.handleAll, { halfOpenAfter: 2 ** 31 - 1, breaker: new c.ConsecutiveBreaker(1) });
  open.execute(failingSync).catch(noop);
  const coop = c.timeout(1000, c.TimeoutStrategy.Cooperative);
  const aggressive = c.timeout(1000, c.TimeoutStrategy.Aggressive);
  const pool = c.bulkhead(100, 100);
  const all = c.wrap(
    c.retry(c.handleAll, { maxAttempts: 3 }),
    c.circuitBreaker(c.handleAll, { halfOpenAfter: 10_000, breaker: new c.ConsecutiveBreaker(5) }),
    c.timeout(1000, c.TimeoutStrategy.Aggressive),
    c.bulkhead(100, 100),
  );
  return {
    retry: () => retry.execute(ok),
    breaker: () => breaker.execute(ok),
    open: () => open.execute(ok).catch(noop),
    coop: () => coop.execute(ok),
    aggressive: () => aggressive.execute(ok),
    bulkhead: () => pool.execute(ok),
    wrap: () => all.execute(ok),
  };
}

function opossumRows(CircuitBreaker) {
  const plain = new CircuitBreaker(ok, { timeout: false });
  const timed = new CircuitBreaker(ok); // opossum's default 10 s timeout
  const limited = new CircuitBreaker(ok, { timeout: false, capacity: 100 });
  const open = new CircuitBreaker(ok, { timeout: false, resetTimeout: 2 ** 31 - 1 });
  open.open();
  return {
    plain: () => plain.fire(),
    timed: () => timed.fire(),
    limited: () => limited.fire(),
    open: () => open.fire().catch(noop),
    shutdown: () => [plain, timed, limited, open].forEach((b) => b.shutdown()),
  };
}

export function register({ compare }) {
  const peer = cockatielRows(cockatiel);
  const ours = cockatielRows(shim);
  const rows = [
    ['retry, first try succeeds', 'retry'],
    ['circuit breaker (ConsecutiveBreaker), success', 'breaker'],
    ['open-circuit rejection', 'open'],
    ['timeout, cooperative, success', 'coop'],
    ['timeout, aggressive, success', 'aggressive'],
    ['bulkhead, success', 'bulkhead'],
    ['wrap(retry, breaker, timeout, bulkhead), success', 'wrap'],
  ];
  for (const [title, key] of rows) {
    compare(`cockatiel shim: ${title}`, [
      ['cockatiel 4', peer[key], { baseline: true }],
      ['breakwater/compat/cockatiel', ours[key]],
    ]);
  }
  const op = opossumRows(Opossum);
  const opShim = opossumRows(ShimBreaker);
  for (const [title, key] of [
    ['fire, success (timeout: false)', 'plain'],
    ['fire, success (default 10 s timeout)', 'timed'],
    ['fire, success (capacity 100)', 'limited'],
    ['fire, open-circuit rejection', 'open'],
  ]) {
    compare(`opossum shim: ${title}`, [
      ['opossum 10', op[key], { baseline: true }],
      ['breakwater/compat/opossum', opShim[key]],
    ]);
  }
}
