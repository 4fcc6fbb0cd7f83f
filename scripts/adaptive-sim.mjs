// A simulated dependency and an open-loop load on a VirtualClock, for the
// adaptive bulkhead's tests and for the chart in docs/adaptive-bulkhead.md.
// No imports: the caller hands in the clock and the policy (from the sources
// in tests, from dist in scripts/adaptive-chart.mjs).

/**
 * A dependency with `capacity` workers. A call that starts while `n` calls are
 * in the dependency (itself included) takes
 * `latencyMs × slowdown × (1 + overload × max(0, n − capacity) / capacity)`:
 * up to `capacity` calls run at the base latency, each call beyond it makes
 * every new call slower (a queue, and the contention that comes with it:
 * with the default `overload` of 10, 10 % over capacity doubles the latency,
 * the knee of a saturated database or thread pool).
 * `slowdown` is a knob for latency steps. A call whose signal aborts leaves at
 * once and rejects with the signal's reason.
 */
export function simulatedDependency({ clock, capacity, latencyMs, overload = 10 }) {
  const dep = {
    inFlight: 0,
    peak: 0,
    started: 0,
    slowdown: 1,
    latencyFor(n) {
      return latencyMs * dep.slowdown * (1 + (overload * Math.max(0, n - capacity)) / capacity);
    },
    call(ctx) {
      dep.inFlight++;
      dep.started++;
      if (dep.inFlight > dep.peak) dep.peak = dep.inFlight;
      const ms = dep.latencyFor(dep.inFlight);
      return new Promise((resolve, reject) => {
        const signal = ctx?.signal;
        const onAbort = () => {
          clock.clearTimeout(timer);
          dep.inFlight--;
          reject(signal.reason);
        };
        const timer = clock.setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          dep.inFlight--;
          resolve(ms);
        }, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
  return dep;
}

/**
 * Runs an open-loop load of `ratePerSecond` calls through `execute` for
 * `durationMs` of virtual time, with latency steps (`steps: [{ atMs, slowdown }]`),
 * and returns a time series sampled every `sampleEveryMs`: the policy's limit
 * and in-flight calls, the mean latency of the calls that completed in the
 * bin, and the rejections in the bin. `policy` is read for `limit` and
 * `active`; `execute(fn)` runs one call (the policy, or a pipeline around it).
 */
export async function runLoad({
  clock,
  policy,
  execute,
  dependency,
  ratePerSecond,
  durationMs,
  tickMs = 10,
  sampleEveryMs = 250,
  steps = [],
}) {
  const series = [];
  const totals = { started: 0, ok: 0, rejected: 0, failed: 0, maxActiveOverLimit: -Infinity };
  let bin = { latencySum: 0, completed: 0, rejected: 0, failed: 0 };
  const t0 = clock.now();
  const pending = new Set();
  let owed = 0;

  const startOne = () => {
    totals.started++;
    const startedAt = clock.now();
    const p = execute((ctx) => {
      // Admission: the function runs only once the call holds a slot under the limit.
      const over = policy.active - policy.limit;
      if (over > totals.maxActiveOverLimit) totals.maxActiveOverLimit = over;
      return dependency.call(ctx);
    }).then(
      () => {
        totals.ok++;
        bin.completed++;
        bin.latencySum += clock.now() - startedAt;
      },
      (error) => {
        if (error?.name === 'BulkheadRejectedError') {
          totals.rejected++;
          bin.rejected++;
        } else {
          totals.failed++;
          bin.failed++;
        }
      },
    );
    pending.add(p);
    p.then(() => pending.delete(p));
  };

  const tick = () => {
    const elapsed = clock.now() - t0;
    if (elapsed >= durationMs) return;
    for (const s of steps) {
      if (s.atMs > elapsed || s.done) continue;
      dependency.slowdown = s.slowdown;
      s.done = true;
    }
    owed += (ratePerSecond * tickMs) / 1000;
    while (owed >= 1) {
      owed--;
      startOne();
    }
    clock.setTimeout(tick, tickMs);
  };
  const sample = () => {
    const elapsed = clock.now() - t0;
    series.push({
      t: elapsed,
      limit: policy.limit,
      active: policy.active,
      latencyMs: bin.completed === 0 ? undefined : bin.latencySum / bin.completed,
      completed: bin.completed,
      rejected: bin.rejected,
      failed: bin.failed,
      slowdown: dependency.slowdown,
    });
    bin = { latencySum: 0, completed: 0, rejected: 0, failed: 0 };
    if (elapsed < durationMs) clock.setTimeout(sample, sampleEveryMs);
  };
  clock.setTimeout(tick, 0);
  clock.setTimeout(sample, sampleEveryMs);
  await clock.advance(durationMs);
  // Let the calls still in flight finish, so that nothing is left behind.
  while (pending.size > 0) await clock.advance(Math.max(1, dependency.latencyFor(dependency.inFlight)));
  await clock.runAll();
  return { series, totals };
}

/** The limit at time `t` (ms) of a series from {@link runLoad}. */
export function limitAt(series, t) {
  let found;
  for (const point of series) {
    if (point.t > t) break;
    found = point;
  }
  return found?.limit;
}
