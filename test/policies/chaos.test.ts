import { describe, expect, it, vi } from 'vitest';
import { type Context, injectFault, injectLatency, pipeline, timeout, TimeoutError } from '../../src/index.js';
import { seededRandom, VirtualClock } from '../../src/testing/index.js';

const ok = (): string => 'ok';
const injected = new Error('injected');

/** Runs `n` calls and counts the ones that failed with `injected`. */
async function countFaults(run: () => Promise<unknown>, n: number): Promise<number> {
  const results = await Promise.allSettled(Array.from({ length: n }, run));
  return results.filter((r) => r.status === 'rejected' && r.reason === injected).length;
}

describe('injectFault: validation', () => {
  it('has the name "injectFault" and keeps rate', () => {
    const f = injectFault({ rate: 0.25, error: injected });
    expect(f.name).toBe('injectFault');
    expect(f.rate).toBe(0.25);
  });

  it.each([
    [-0.1, RangeError, 'injectFault: rate must be a number in [0, 1], got -0.1'],
    [1.5, RangeError, 'injectFault: rate must be a number in [0, 1], got 1.5'],
    [NaN, RangeError, 'injectFault: rate must be a number in [0, 1], got NaN'],
    ['0.5', TypeError, 'injectFault: rate must be a number in [0, 1], got "0.5"'],
    [undefined, TypeError, 'injectFault: rate must be a number in [0, 1], got undefined'],
  ])('rejects rate = %s with a %s naming the option and value', (rate, type, message) => {
    expect(() => injectFault({ rate: rate as number, error: injected })).toThrow(type);
    expect(() => injectFault({ rate: rate as number, error: injected })).toThrow(message);
  });

  it('rejects a missing error, a bad random, clock and options object', () => {
    expect(() => injectFault({ rate: 0.5 } as never)).toThrow(TypeError);
    expect(() => injectFault({ rate: 0.5 } as never)).toThrow(
      'injectFault: error must be an error value or a function returning one, got undefined',
    );
    expect(() => injectFault({ rate: 0.5, error: injected, random: 4 as never })).toThrow(
      'injectFault: random must be a function, got 4',
    );
    expect(() => injectFault({ rate: 0.5, error: injected, clock: {} as never })).toThrow(
      'injectFault: clock must be an object',
    );
    expect(() => injectFault('x' as never)).toThrow('injectFault: options must be an object, got "x"');
  });
});

describe('injectFault: semantics', () => {
  it('never fails at rate 0, even when random returns 0', async () => {
    const fn = vi.fn(ok);
    const f = injectFault({ rate: 0, error: injected, random: () => 0 });
    await expect(f.execute(fn)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('always fails at rate 1, even when random returns its largest value, without running fn', async () => {
    const fn = vi.fn(ok);
    const f = injectFault({ rate: 1, error: injected, random: () => 1 - Number.EPSILON / 2 });
    await expect(f.execute(fn)).rejects.toBe(injected);
    expect(fn).not.toHaveBeenCalled();
  });

  it('fails a call exactly when random() < rate', async () => {
    const values = [0.29, 0.3, 0.31];
    const f = injectFault({ rate: 0.3, error: injected, random: () => values.shift() ?? 0 });
    const results = await Promise.allSettled([f.execute(ok), f.execute(ok), f.execute(ok)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });

  it('calls the error function once per fault with the context and rejects with what it returns', async () => {
    const make = vi.fn((ctx: Context) => new Error(`fault for ${ctx.key}`));
    const f = injectFault({ rate: 1, error: make });
    await expect(f.execute(ok, { key: 'k' })).rejects.toThrow('fault for k');
    expect(make).toHaveBeenCalledTimes(1);
  });

  it('rejects with what the error function throws, too', async () => {
    const f = injectFault({
      rate: 1,
      error: () => {
        throw injected;
      },
    });
    await expect(f.execute(ok)).rejects.toBe(injected);
  });

  it('rejects with the caller reason when already aborted, without drawing', async () => {
    const random = vi.fn(() => 0.5);
    const controller = new AbortController();
    controller.abort('gone');
    await expect(
      injectFault({ rate: 1, error: injected, random }).execute(ok, { signal: controller.signal }),
    ).rejects.toBe('gone');
    expect(random).not.toHaveBeenCalled();
  });

  it('emits fault with the error and the common fields', async () => {
    const clock = new VirtualClock(3);
    const f = injectFault({ rate: 1, error: injected, clock });
    const seen: unknown[] = [];
    f.on('fault', (e) => seen.push(e));
    await f.execute(ok, { correlationId: 'c' }).catch(() => undefined);
    expect(seen).toEqual([{ error: injected, policy: 'injectFault', key: undefined, correlationId: 'c', at: 3 }]);
  });

  it('is deterministic under seededRandom: the same seed fails the same calls', async () => {
    const pattern = async (seed: number): Promise<string[]> => {
      const f = injectFault({ rate: 0.3, error: injected, random: seededRandom(seed) });
      const results = await Promise.allSettled(Array.from({ length: 200 }, () => f.execute(ok)));
      return results.map((r) => r.status);
    };
    expect(await pattern(11)).toEqual(await pattern(11));
    expect(await pattern(11)).not.toEqual(await pattern(12));
  });

  it.each([
    [0.01, 1],
    [0.1, 2],
    [0.25, 3],
    [0.5, 4],
    [0.9, 5],
    [0.99, 6],
  ])('with rate %s over 10,000 seeded calls (seed %s) lands within 3 standard deviations', async (rate, seed) => {
    const n = 10_000;
    const f = injectFault({ rate, error: injected, random: seededRandom(seed) });
    const faults = await countFaults(() => f.execute(ok), n);
    const sd = Math.sqrt(n * rate * (1 - rate));
    expect(Math.abs(faults - n * rate)).toBeLessThanOrEqual(3 * sd);
  });

  it.each([0, 1])('with rate %s over 10,000 seeded calls is exact', async (rate) => {
    const f = injectFault({ rate, error: injected, random: seededRandom(9) });
    expect(await countFaults(() => f.execute(ok), 10_000)).toBe(rate * 10_000);
  });
});

describe('injectLatency: validation', () => {
  it('has the name "injectLatency" and keeps rate and ms', () => {
    const l = injectLatency({ rate: 0.5, ms: 100 });
    expect(l.name).toBe('injectLatency');
    expect([l.rate, l.ms]).toEqual([0.5, 100]);
  });

  it.each([
    [0, RangeError, 'injectLatency: ms must be a positive finite number of milliseconds at most 2147483647, got 0'],
    [-5, RangeError, 'injectLatency: ms must be a positive finite number of milliseconds at most 2147483647, got -5'],
    [
      Infinity,
      RangeError,
      'injectLatency: ms must be a positive finite number of milliseconds at most 2147483647, got Infinity',
    ],
    [
      2_147_483_648,
      RangeError,
      'injectLatency: ms must be a positive finite number of milliseconds at most 2147483647, got 2147483648',
    ],
    [
      undefined,
      TypeError,
      'injectLatency: ms must be a positive finite number of milliseconds at most 2147483647, got undefined',
    ],
  ])('rejects ms = %s with a %s naming the option and value', (ms, type, message) => {
    expect(() => injectLatency({ rate: 1, ms: ms as number })).toThrow(type);
    expect(() => injectLatency({ rate: 1, ms: ms as number })).toThrow(message);
  });

  it('rejects a bad rate and random naming the option and value', () => {
    expect(() => injectLatency({ rate: 2, ms: 1 })).toThrow('injectLatency: rate must be a number in [0, 1], got 2');
    expect(() => injectLatency({ rate: 1, ms: 1, random: null as never })).toThrow(
      'injectLatency: random must be a function, got null',
    );
  });
});

describe('injectLatency: semantics', () => {
  it('delays the call by ms on the clock, then runs it with the same context', async () => {
    const clock = new VirtualClock();
    const l = injectLatency({ rate: 1, ms: 100, clock });
    const fn = vi.fn((ctx: Context) => ctx.key);
    const p = l.execute(fn, { key: 'k' });
    await clock.advance(99);
    expect(fn).not.toHaveBeenCalled();
    await clock.advance(1);
    await expect(p).resolves.toBe('k');
    expect(clock.pending).toBe(0);
  });

  it('runs at once with no timer when the call is not picked (rate 0)', async () => {
    const clock = new VirtualClock();
    const l = injectLatency({ rate: 0, ms: 100, clock, random: () => 0 });
    await expect(l.execute(ok)).resolves.toBe('ok');
    expect(clock.pending).toBe(0);
  });

  it('ends the wait at once when the caller aborts: rejects with the reason, clears the timer, removes the listener', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const signal = controller.signal;
    const remove = vi.spyOn(signal, 'removeEventListener');
    const fn = vi.fn(ok);
    const p = injectLatency({ rate: 1, ms: 1_000, clock }).execute(fn, { signal });
    expect(clock.pending).toBe(1);
    controller.abort('stop');
    await expect(p).rejects.toBe('stop');
    expect(clock.pending).toBe(0);
    expect(remove).toHaveBeenCalledTimes(1);
    expect(fn).not.toHaveBeenCalled();
  });

  it('removes its abort listener when the wait ends normally', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const p = injectLatency({ rate: 1, ms: 10, clock }).execute(ok, { signal: controller.signal });
    await clock.advance(10);
    await expect(p).resolves.toBe('ok');
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledTimes(1);
  });

  it('is cut by an enclosing timeout, which leaves no timer behind', async () => {
    const clock = new VirtualClock();
    const fn = vi.fn(ok);
    const p = pipeline(timeout(100, { clock }), injectLatency({ rate: 1, ms: 1_000, clock })).execute(fn);
    const result = p.catch((e: unknown) => e);
    await clock.advance(100);
    expect(await result).toBeInstanceOf(TimeoutError);
    expect(clock.pending).toBe(0);
    expect(fn).not.toHaveBeenCalled();
  });

  it('emits latency with ms and the common fields', async () => {
    const clock = new VirtualClock();
    const l = injectLatency({ rate: 1, ms: 5, clock });
    const seen: unknown[] = [];
    l.on('latency', (e) => seen.push(e));
    const p = l.execute(ok, { key: 'k' });
    await clock.advance(5);
    await p;
    expect(seen).toEqual([{ ms: 5, policy: 'injectLatency', key: 'k', correlationId: undefined, at: 0 }]);
  });

  it('is deterministic under seededRandom: the same seed delays the same calls', async () => {
    const delayed = async (seed: number): Promise<number[]> => {
      const clock = new VirtualClock();
      const l = injectLatency({ rate: 0.2, ms: 50, clock, random: seededRandom(seed) });
      const out: number[] = [];
      const runs = Array.from({ length: 100 }, (_, i) => l.execute(() => (clock.now() > 0 ? out.push(i) : 0)));
      await clock.runAll();
      await Promise.all(runs);
      return out;
    };
    const first = await delayed(21);
    expect(first.length).toBeGreaterThan(5);
    expect(first.length).toBeLessThan(40);
    expect(await delayed(21)).toEqual(first);
  });
});
