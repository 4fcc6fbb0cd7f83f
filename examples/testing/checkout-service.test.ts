/**
 * How a project that uses breakwater tests its own service: a checkout that
 * charges a payment gateway (not idempotent) and reads stock (idempotent),
 * tested with the scripted dependencies, the virtual clock, the invariant
 * helpers and the fast-check arbitraries of `breakwater/testing`.
 *
 * It imports only the public entries, as a user's test would.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  circuitBreaker,
  type CircuitBreakerOptions,
  type Clock,
  type Context,
  fallback,
  isTimeoutError,
  pipeline,
  retry,
  timeout,
} from 'breakwater';
import {
  arbitraries,
  assertNoAbortListeners,
  assertNoPendingTimers,
  assertSettledOnce,
  fail,
  hang,
  observe,
  scripted,
  seededRandom,
  succeed,
  trackedAbortController,
  VirtualClock,
  watchUnhandledRejections,
} from 'breakwater/testing';

// ---------------------------------------------------------------------------
// The service under test (in a real project this lives in src/).

interface CheckoutDeps {
  /** Charges the card; returns a receipt id. Not idempotent. */
  charge(ctx: Context): Promise<string>;
  /** Reads how many items are in stock. Idempotent. */
  stock(ctx: Context): Promise<number>;
}

interface CheckoutOptions {
  clock?: Clock;
  random?: () => number;
  breaker?: CircuitBreakerOptions;
}

type Checkout = { receipt: string; stock: number | 'unknown' };

function createCheckout(deps: CheckoutDeps, options: CheckoutOptions = {}) {
  const { clock, random } = options;
  // Payments: retried only when the gateway provably never saw the call
  // (the call is not idempotent), each attempt bounded by 2 s.
  const payments = pipeline(
    retry({ maxAttempts: 3, clock, random }),
    circuitBreaker({ ...options.breaker, clock }),
    timeout(2_000, { clock }),
  );
  // Stock: idempotent, so retried freely; shows 'unknown' rather than failing.
  const stock = pipeline(
    fallback<'unknown'>('unknown'),
    retry({ maxAttempts: 2, idempotent: true, clock, random }),
    timeout(500, { clock }),
  );
  return {
    payments,
    async checkout(signal?: AbortSignal): Promise<Checkout> {
      const level = await stock.execute((ctx) => deps.stock(ctx), { signal });
      const receipt = await payments.execute((ctx) => deps.charge(ctx), { signal, idempotent: false });
      return { receipt, stock: level };
    },
  };
}

// ---------------------------------------------------------------------------
// Example-based tests.

const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('checkout', () => {
  it('charges once when the gateway times out: a payment that may have run is never repeated', async () => {
    const clock = new VirtualClock();
    const charge = scripted<string>([hang()], { clock });
    const stock = scripted<number>([succeed(3, 10)], { clock });
    const service = createCheckout({ charge, stock }, { clock, random: seededRandom(1) });

    const result = observe(service.checkout(), clock);
    await clock.runAll();

    assertSettledOnce(result);
    expect(result.current.state === 'rejected' && isTimeoutError(result.current.error)).toBe(true);
    expect(charge.calls).toHaveLength(1);
    expect(charge.calls[0]).toMatchObject({ signalAborted: true, start: 10, end: 2_010 });
    assertNoPendingTimers(clock);
  });

  it('retries a refused connection, which proves the payment never started', async () => {
    const clock = new VirtualClock();
    const charge = scripted<string>([fail(refused()), succeed('receipt-1', 30)], { clock });
    const stock = scripted<number>([succeed(7)], { clock });
    const service = createCheckout({ charge, stock }, { clock, random: seededRandom(2) });

    const result = service.checkout();
    await clock.runAll();

    await expect(result).resolves.toEqual({ receipt: 'receipt-1', stock: 7 });
    expect(charge.calls.map((c) => c.attempt)).toEqual([1, 2]);
    // Both attempts carry the same idempotency key, for the gateway to deduplicate.
    expect(charge.calls[0]?.idempotencyKey).toBe(charge.calls[1]?.idempotencyKey);
  });

  it("shows stock as 'unknown' when the stock service is down, and still charges", async () => {
    const clock = new VirtualClock();
    const charge = scripted<string>([succeed('receipt-2')], { clock });
    const stock = scripted<number>([hang()], { clock });
    const service = createCheckout({ charge, stock }, { clock, random: seededRandom(3) });

    const result = service.checkout();
    await clock.runAll();

    await expect(result).resolves.toEqual({ receipt: 'receipt-2', stock: 'unknown' });
    expect(stock.calls).toHaveLength(2);
  });

  it("stops everything when the shopper cancels, rejecting with the signal's reason", async () => {
    const clock = new VirtualClock();
    const charge = scripted<string>([succeed('receipt-3', 1_000)], { clock });
    const stock = scripted<number>([succeed(1)], { clock });
    const service = createCheckout({ charge, stock }, { clock, random: seededRandom(4) });
    const controller = trackedAbortController();
    const cancelled = new Error('shopper cancelled');

    const result = observe(service.checkout(controller.signal), clock);
    await clock.advance(100);
    controller.abort(cancelled);
    await clock.runAll();

    expect(result.current).toMatchObject({ state: 'rejected', error: cancelled, settledAt: 100 });
    expect(charge.calls[0]?.signalAborted).toBe(true);
    assertNoAbortListeners(controller.signal);
    assertNoPendingTimers(clock);
  });
});

// ---------------------------------------------------------------------------
// A property: for any breaker configuration and any fault schedule, the
// checkout settles once, never charges twice unless the gateway provably did
// not run the first charge, and leaves no timer or listener behind.

describe('checkout, for any breaker configuration and gateway behaviour', () => {
  const arb = arbitraries(fc);

  it('never charges twice, settles every checkout once and leaves nothing behind', async () => {
    const unhandled = watchUnhandledRejections();
    try {
      await fc.assert(
        fc.asyncProperty(
          arb.circuitBreakerOptions(),
          arb.faultSchedule({ error: fc.constantFrom(new Error('declined'), refused()), maxLength: 15 }),
          arb.faultSchedule({ value: fc.integer({ min: 0, max: 9 }), maxLength: 5 }),
          fc.array(fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }), { minLength: 1, maxLength: 5 }),
          fc.integer(),
          async (breaker, gateway, stockSchedule, cancelAt, seed) => {
            const clock = new VirtualClock();
            const charge = scripted<string>(gateway, { clock });
            const stock = scripted<number>(stockSchedule, { clock });
            const service = createCheckout({ charge, stock }, { clock, random: seededRandom(seed), breaker });
            const controllers = cancelAt.map(() => trackedAbortController());
            const results = controllers.map((c) => observe(service.checkout(c.signal), clock));
            cancelAt.forEach((at, i) => {
              if (at !== undefined) clock.setTimeout(() => controllers[i]?.abort(new Error('cancelled')), at);
            });
            await clock.runAll();
            // Checkouts still waiting on a hung stock call have no deadline above it: cancel them.
            for (const c of controllers) c.abort(new Error('cancelled'));
            await clock.runAll();

            for (const r of results) assertSettledOnce(r);
            for (const c of controllers) assertNoAbortListeners(c.signal);
            assertNoPendingTimers(clock);
            const chargesPerCheckout = new Map<string, number>();
            for (const call of charge.calls) {
              chargesPerCheckout.set(call.idempotencyKey, (chargesPerCheckout.get(call.idempotencyKey) ?? 0) + 1);
            }
            for (const [key, count] of chargesPerCheckout) {
              if (count === 1) continue;
              const runs = charge.calls.filter((c) => c.idempotencyKey === key);
              // Every run before the last was refused: the gateway never saw it.
              for (const run of runs.slice(0, -1)) {
                expect(run.outcome).toMatchObject({ ok: false, error: { code: 'ECONNREFUSED' } });
              }
            }
          },
        ),
        { numRuns: 100 },
      );
      expect(unhandled.reasons).toEqual([]);
    } finally {
      unhandled.stop();
    }
  });
});
