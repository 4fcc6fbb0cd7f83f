import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Context, hedge } from '../../src/index.js';
import type { RetryBudget } from '../../src/core/retry-budget.js';
import { VirtualClock } from '../../src/testing/index.js';

interface AttemptSpec {
  ms: number;
  ok: boolean;
  honoursAbort: boolean;
}

const attemptSpec = fc.record({
  ms: fc.integer({ min: 1, max: 300 }),
  ok: fc.boolean(),
  honoursAbort: fc.boolean(),
});

const scenario = fc.record({
  delay: fc.integer({ min: 0, max: 120 }),
  maxHedged: fc.integer({ min: 1, max: 3 }),
  attempts: fc.array(attemptSpec, { minLength: 4, maxLength: 4 }),
  idempotent: fc.boolean(),
  abortAt: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
  tokens: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
});

type LogEntry = { kind: 'abort' } | { kind: 'settled'; index: number; ok: boolean };

/**
 * Runs one hedged call on the VirtualClock. Each attempt's result is logged
 * in the timer callback that produces it, so the log is the clock order.
 */
async function run(s: {
  delay: number;
  maxHedged: number;
  attempts: AttemptSpec[];
  idempotent: boolean;
  abortAt: number | undefined;
  tokens: number | undefined;
}) {
  const clock = new VirtualClock();
  const controller = new AbortController();
  const reason = new Error('caller abort');
  const log: LogEntry[] = [];
  const errors = s.attempts.map((_, i) => new Error(`attempt ${i + 1}`));
  const signals: AbortSignal[] = [];
  const discarded: unknown[] = [];
  let tokens = s.tokens ?? Infinity;
  const budget: RetryBudget | undefined =
    s.tokens === undefined
      ? undefined
      : {
          get available() {
            return tokens;
          },
          deposit() {},
          tryTake() {
            if (tokens <= 0) return false;
            tokens--;
            return true;
          },
        };
  // Set before the call, so at a tie the abort comes first in clock order.
  if (s.abortAt !== undefined) {
    clock.setTimeout(() => {
      log.push({ kind: 'abort' });
      controller.abort(reason);
    }, s.abortAt);
  }
  const fn = (ctx: Context): Promise<string> => {
    const index = signals.length;
    const spec = s.attempts[index] as AttemptSpec;
    const signal = ctx.signal;
    signals.push(signal);
    return new Promise<string>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        log.push({ kind: 'settled', index, ok: spec.ok });
        if (spec.ok) resolve(`v${index}`);
        else reject(errors[index]);
      }, spec.ms);
      if (spec.honoursAbort) {
        signal.addEventListener(
          'abort',
          () => {
            clock.clearTimeout(timer);
            reject(signal.reason);
          },
          { once: true },
        );
      }
    });
  };
  const policy = hedge({ delay: s.delay, maxHedged: s.maxHedged, clock, budget, onDiscard: (v) => discarded.push(v) });
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
  policy.execute(fn, { idempotent: s.idempotent, signal: controller.signal }).then(
    (value) => (outcome = { ok: true, value }),
    (error: unknown) => (outcome = { ok: false, error }),
  );
  await clock.runAll();
  return { log, outcome, signals, discarded, errors, reason, started: signals.length };
}

describe('hedge: properties on the VirtualClock', () => {
  it('never starts more than 1 + maxHedged attempts (nor more than the budget allows), and never hedges a non-idempotent call', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const r = await run(s);
        expect(r.started).toBeLessThanOrEqual(1 + s.maxHedged);
        if (s.tokens !== undefined) expect(r.started).toBeLessThanOrEqual(1 + s.tokens);
        if (!s.idempotent) expect(r.started).toBe(1);
        expect(r.outcome).toBeDefined();
      }),
      { numRuns: 200 },
    );
  });

  it('settles with the first success in clock order, else the caller abort, else the last error; losers are always aborted', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const r = await run(s);
        // Replay the log to find what decided the call.
        let failures = 0;
        let decided:
          | { by: 'success'; index: number; at: number }
          | { by: 'abort'; at: number }
          | { by: 'failures'; index: number; at: number }
          | undefined;
        for (let at = 0; at < r.log.length && decided === undefined; at++) {
          const entry = r.log[at] as LogEntry;
          if (entry.kind === 'abort') {
            // A caller abort always decides the outcome, whether the function heeds it or not.
            decided = { by: 'abort', at };
          } else if (entry.ok) decided = { by: 'success', index: entry.index, at };
          else if (++failures === r.started) decided = { by: 'failures', index: entry.index, at };
        }
        expect(decided).toBeDefined();
        if (decided === undefined) return;
        const settledBefore = new Set(
          r.log.slice(0, decided.at).flatMap((e) => (e.kind === 'settled' ? [e.index] : [])),
        );
        if (decided.by === 'success') {
          expect(r.outcome).toEqual({ ok: true, value: `v${decided.index}` });
          // The losers still running are aborted, nobody else (a non-idempotent call sees the caller's own signal).
          for (let i = 0; i < r.started && s.idempotent; i++) {
            const shouldAbort = i !== decided.index && !settledBefore.has(i);
            expect(r.signals[i]?.aborted).toBe(shouldAbort);
          }
          // Late successes of losers that ignored their signal are discarded, nothing else.
          const late = r.log
            .slice(decided.at + 1)
            .flatMap((e) => (e.kind === 'settled' && e.ok ? [`v${e.index}`] : []));
          expect(r.discarded).toEqual(late);
        } else if (decided.by === 'abort') {
          expect(r.outcome).toEqual({ ok: false, error: r.reason });
          for (let i = 0; i < r.started; i++) {
            if (!settledBefore.has(i)) expect(r.signals[i]?.reason).toBe(r.reason);
          }
        } else {
          expect(r.outcome).toEqual({ ok: false, error: r.errors[decided.index] });
          // Nothing is aborted once the call is over (a non-idempotent call sees the caller's own signal).
          if (s.idempotent) expect(r.signals.every((sig) => !sig.aborted)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
