/**
 * Races: many concurrent calls settling in orders chosen by fast-check's
 * scheduler, around the breaker's transitions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { circuitBreaker, type CircuitBreakerOptions, type CircuitState } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

/** A VirtualClock that can also jump at once (the breaker holds no timers, so none is skipped). */
class SteppedClock extends VirtualClock {
  private offset = 0;
  override now(): number {
    return super.now() + this.offset;
  }
  jump(ms: number): void {
    this.offset += ms;
  }
}

type Spec = { jump: number; outcome: 'S' | 'F' | 'hang' | 'abort' };

interface Call {
  id: number;
  period: number;
  stateAtStart: CircuitState;
  startedAt: number;
  error: Error;
  settled: boolean;
  probeCounted: boolean;
}

type LogEntry =
  | { kind: 'failure' | 'success'; call: Call | undefined }
  | { kind: 'change'; from: CircuitState; to: CircuitState; reason: string; call: Call | undefined };

const config = fc.record({
  window: fc.oneof(
    fc.integer({ min: 1, max: 3 }).map((failures) => ({ kind: 'consecutive' as const, failures })),
    fc.integer({ min: 1, max: 4 }).map((size) => ({ kind: 'count' as const, size })),
  ),
  openFor: fc.integer({ min: 0, max: 50 }),
  probes: fc.integer({ min: 1, max: 3 }),
  maxWait: fc.integer({ min: 20, max: 100 }),
});

const spec: fc.Arbitrary<Spec> = fc.record({
  jump: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
  outcome: fc.constantFrom<Spec['outcome']>('S', 'F', 'F', 'hang', 'abort'),
});

describe('circuitBreaker: races (fc.scheduler)', () => {
  it('never opens twice for one trip, never admits extra probes, never stays stuck in half-open', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        config,
        fc.array(spec, { minLength: 5, maxLength: 30 }),
        async (s, cfg, specs) => {
          const clock = new SteppedClock();
          const options: CircuitBreakerOptions = {
            clock,
            window: cfg.window,
            minimumCalls: 1,
            openFor: cfg.openFor,
            halfOpen: { probes: cfg.probes, maxWait: cfg.maxWait },
          };
          const breaker = circuitBreaker(options);
          const calls = new Map<string | undefined, Call>();
          let periodFailures = 0;
          const log: LogEntry[] = [];
          let period = 0;
          let current: CircuitState = 'closed';
          let runningProbes = 0;
          let probeSuccesses = 0;
          const probesOfPeriod: Call[] = [];
          // Listener errors are isolated by design, so listeners note violations here.
          const violations: string[] = [];
          const check = (ok: boolean, what: string) => {
            if (!ok) violations.push(`${what} (after ${JSON.stringify(log.slice(-4))})`);
          };
          let tracking = true;

          breaker.on('failure', ({ correlationId }) => {
            const call = calls.get(correlationId);
            if (call?.period === period) periodFailures++;
            log.push({ kind: 'failure', call });
          });
          breaker.on('success', ({ correlationId }) => log.push({ kind: 'success', call: calls.get(correlationId) }));
          breaker.on('stateChange', ({ from, to, reason, correlationId }) => {
            const previous = log[log.length - 1];
            const cause = calls.get(correlationId);
            log.push({ kind: 'change', from, to, reason, call: cause });
            check(from === current, `chain broken: ${from} after ${current}`);
            check(to !== from, `duplicate ${to}`);
            const settledNow = previous !== undefined && previous.kind !== 'change' && previous.call === cause;
            if (from === 'closed' && to === 'open') {
              // Only a call that started in this closed period may trip it, and only its period's failures count.
              check(
                settledNow && cause !== undefined && cause.period === period,
                'closed -> open not caused by a call of this closed period',
              );
              check(
                breaker.stats.failures <= periodFailures,
                `window holds ${breaker.stats.failures} failures, this period had ${periodFailures}`,
              );
            }
            if (from === 'halfOpen' && to === 'open') {
              const failedProbe =
                settledNow &&
                previous.kind === 'failure' &&
                cause !== undefined &&
                cause.period === period &&
                cause.stateAtStart === 'halfOpen';
              const expired = probesOfPeriod.some((p) => !p.settled && p.startedAt + cfg.maxWait <= clock.now());
              check(failedProbe || expired, 'half-open -> open without a failed or expired probe of this period');
            }
            if (to === 'closed' && tracking)
              check(probeSuccesses + 1 === cfg.probes, `closed after ${probeSuccesses + 1} probe successes`);
            period++;
            current = to;
            runningProbes = 0;
            probeSuccesses = 0;
            periodFailures = 0;
            probesOfPeriod.length = 0;
          });

          const all: Promise<unknown>[] = [];
          specs.forEach((sp, id) => {
            all.push(
              s.schedule(Promise.resolve(), `start ${id}`).then(() => {
                clock.jump(sp.jump);
                const ac = new AbortController();
                let call: Call | undefined;
                const p = breaker.execute(
                  ({ signal }) => {
                    call = {
                      id,
                      period,
                      stateAtStart: current,
                      startedAt: clock.now(),
                      error: new Error(`call ${id}`),
                      settled: false,
                      probeCounted: current === 'halfOpen',
                    };
                    calls.set(String(id), call);
                    if (call.probeCounted) {
                      runningProbes++;
                      probesOfPeriod.push(call);
                      expect(runningProbes).toBeLessThanOrEqual(cfg.probes);
                    }
                    const c = call;
                    if (sp.outcome === 'hang') return new Promise<never>(() => {});
                    if (sp.outcome === 'abort') {
                      void s.schedule(Promise.resolve(), `abort ${id}`).then(() => {
                        if (c.probeCounted && c.period === period) runningProbes--;
                        c.probeCounted = false;
                        ac.abort(new Error(`abort ${id}`));
                      });
                      return new Promise<never>((_, reject) =>
                        signal.addEventListener('abort', () => reject(signal.reason)),
                      );
                    }
                    return s.schedule(Promise.resolve(), `settle ${id}`).then(() => {
                      if (sp.outcome === 'F') throw c.error;
                      return 'ok';
                    });
                  },
                  { signal: ac.signal, correlationId: String(id) },
                );
                const settled = (ok: boolean) => {
                  if (call === undefined) return;
                  call.settled = true;
                  if (call.probeCounted && call.period === period) {
                    runningProbes--;
                    if (ok) probeSuccesses++;
                  }
                  call.probeCounted = false;
                };
                return p.then(
                  () => settled(true),
                  () => settled(false),
                );
              }),
            );
          });
          await s.waitAll();
          expect(violations).toEqual([]);
          tracking = false;

          // Not stuck: once hung probes outlive maxWait and openFor passes, probes close it.
          clock.jump(cfg.maxWait + cfg.openFor + 1);
          expect(breaker.state).not.toBe('isolated');
          clock.jump(cfg.openFor + 1);
          for (let i = 0; i < cfg.probes + 1 && breaker.state !== 'closed'; i++) {
            expect(breaker.state).toBe('halfOpen');
            const oks = Array.from({ length: cfg.probes }, () => breaker.execute(() => 'ok').catch(() => 'rejected'));
            expect(await Promise.all(oks)).toEqual(Array.from({ length: cfg.probes }, () => 'ok'));
          }
          expect(breaker.state).toBe('closed');
          expect(clock.pending).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);
});
