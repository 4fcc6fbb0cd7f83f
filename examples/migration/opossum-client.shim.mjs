// A small stock client written against opossum 10. opossum-client.shim.mjs is
// this file with only the import changed.
import CircuitBreaker from 'breakwater/compat/opossum';

export function stockClient(lookup) {
  const events = [];
  const breaker = new CircuitBreaker(lookup, {
    name: 'inventory',
    timeout: 100,
    errorThresholdPercentage: 50,
    resetTimeout: 300,
    volumeThreshold: 2,
  });
  breaker.fallback((sku) => ({ sku, stock: null }));
  for (const name of ['open', 'halfOpen', 'close', 'timeout', 'reject', 'failure', 'success', 'fallback']) {
    breaker.on(name, () => events.push(name));
  }
  return {
    events,
    breaker,
    stock: (sku) => breaker.fire(sku),
    summary: () => {
      const { fires, failures, successes, rejects, timeouts, fallbacks } = breaker.stats;
      return {
        state: breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed',
        fires,
        failures,
        successes,
        rejects,
        timeouts,
        fallbacks,
      };
    },
  };
}
