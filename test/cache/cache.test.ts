import { describe, expect, it, vi } from 'vitest';
import {
  CACHE_EVENTS,
  cache,
  DEFAULT_CACHE_KEY,
  DEFAULT_COALESCE,
  DEFAULT_DESERIALIZE,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_SERIALIZE,
  DEFAULT_STALE_IF_ERROR,
  type CachePolicy,
} from '../../src/cache/index.js';
import { type Context, memoryStore, pipeline, retry, timeout, TimeoutError } from '../../src/index.js';
import { abortListenerCount, trackedAbortController, VirtualClock } from '../../src/testing/index.js';
import { deferred, flush, track } from '../support/async.js';

const read = { key: 'user:1', idempotent: true } as const;

/** Counts the policy's events by name. */
function countEvents(policy: CachePolicy): Record<string, number> {
  const counts: Record<string, number> = { hit: 0, miss: 0, stale: 0, coalesced: 0 };
  for (const event of CACHE_EVENTS) policy.on(event, () => (counts[event] = (counts[event] ?? 0) + 1));
  return counts;
}

function setup(options: Partial<Parameters<typeof cache>[0]> = {}) {
  const clock = new VirtualClock();
  const policy = cache({ ttl: 100, clock, ...options });
  let calls = 0;
  const value = (v: unknown) => () => {
    calls++;
    return v;
  };
  const failing = (error: unknown) => () => {
    calls++;
    return Promise.reject(error);
  };
  return { clock, policy, value, failing, calls: () => calls };
}

describe('cache: defaults', () => {
  it('pins every default', () => {
    expect(DEFAULT_STALE_IF_ERROR).toBe(0);
    expect(DEFAULT_MAX_ENTRIES).toBe(1_000);
    expect(DEFAULT_COALESCE).toBe(true);
    expect(DEFAULT_CACHE_KEY({ key: 'k' } as Context)).toBe('k');
    expect(DEFAULT_SERIALIZE({ a: [1] })).toBe('{"a":[1]}');
    expect(DEFAULT_DESERIALIZE('{"a":[1]}')).toEqual({ a: [1] });
    expect(CACHE_EVENTS).toEqual(['hit', 'miss', 'stale', 'coalesced']);
    const policy = cache({ ttl: 10 });
    expect(policy.kind).toBe('cache');
    expect(policy.name).toBe('cache');
    expect(policy.ttl).toBe(10);
    expect(policy.staleIfError).toBe(0);
    expect(policy.maxEntries).toBe(1_000);
    expect(policy.coalesce).toBe(true);
    expect(policy.store).toBeUndefined();
    expect(policy.serialize).toBe(DEFAULT_SERIALIZE);
    expect(policy.deserialize).toBe(DEFAULT_DESERIALIZE);
    expect(policy.size).toBe(0);
    expect(cache({ ttl: 10, name: 'users' }).name).toBe('users');
  });
});

describe('cache: fresh entries', () => {
  it('answers from a fresh entry without calling fn, up to (not at) ttl', async () => {
    const { clock, policy, value, calls } = setup();
    const counts = countEvents(policy);
    expect(await policy.execute(value('a'), read)).toBe('a');
    expect(calls()).toBe(1);
    await clock.advance(99);
    expect(await policy.execute(value('b'), read)).toBe('a');
    expect(calls()).toBe(1);
    expect(counts).toEqual({ hit: 1, miss: 1, stale: 0, coalesced: 0 });
    await clock.advance(1); // age 100 = ttl: expired
    expect(await policy.execute(value('c'), read)).toBe('c');
    expect(calls()).toBe(2);
    expect(counts).toEqual({ hit: 1, miss: 2, stale: 0, coalesced: 0 });
  });

  it('keeps a fresh entry per key', async () => {
    const { policy, value, calls } = setup();
    expect(await policy.execute(value('one'), { key: '1', idempotent: true })).toBe('one');
    expect(await policy.execute(value('two'), { key: '2', idempotent: true })).toBe('two');
    expect(await policy.execute(value('x'), { key: '1', idempotent: true })).toBe('one');
    expect(await policy.execute(value('x'), { key: '2', idempotent: true })).toBe('two');
    expect(calls()).toBe(2);
    expect(policy.size).toBe(2);
  });

  it('caches undefined and null values like any other', async () => {
    const { policy, value, calls } = setup();
    expect(await policy.execute(value(undefined), read)).toBeUndefined();
    expect(await policy.execute(value('x'), read)).toBeUndefined();
    expect(calls()).toBe(1);
  });

  it('hit event carries the call key and correlationId', async () => {
    const { policy, value } = setup();
    const seen: unknown[] = [];
    policy.on('hit', (e) => seen.push(e));
    await policy.execute(value(1), read);
    await policy.execute(value(1), { ...read, correlationId: 'c-1' });
    expect(seen).toEqual([{ policy: 'cache', key: 'user:1', correlationId: 'c-1', at: 0 }]);
    expect(Object.isFrozen(seen[0])).toBe(true);
  });
});

describe('cache: what is never cached', () => {
  it('runs a call that is not idempotent every time, with no event', async () => {
    const { policy, value, calls } = setup();
    const counts = countEvents(policy);
    await policy.execute(value(1), { key: 'k' });
    await policy.execute(value(2), { key: 'k', idempotent: false });
    expect(await policy.execute(value(3), { key: 'k' })).toBe(3);
    expect(calls()).toBe(3);
    expect(policy.size).toBe(0);
    expect(counts).toEqual({ hit: 0, miss: 0, stale: 0, coalesced: 0 });
  });

  it('runs a call without a key every time', async () => {
    const { policy, value, calls } = setup();
    await policy.execute(value(1), { idempotent: true });
    expect(await policy.execute(value(2), { idempotent: true })).toBe(2);
    expect(calls()).toBe(2);
    expect(policy.size).toBe(0);
  });

  it('never caches an error: the next call runs fn again', async () => {
    const { policy, failing, value, calls } = setup();
    const boom = new Error('boom');
    await expect(policy.execute(failing(boom), read)).rejects.toBe(boom);
    expect(policy.size).toBe(0);
    expect(await policy.execute(value('ok'), read)).toBe('ok');
    expect(calls()).toBe(2);
  });

  it('does not share concurrent calls that are not idempotent', async () => {
    const { policy } = setup();
    const gate = deferred<string>();
    let runs = 0;
    const fn = () => {
      runs++;
      return gate.promise;
    };
    const a = policy.execute(fn, { key: 'k' });
    const b = policy.execute(fn, { key: 'k' });
    expect(runs).toBe(2);
    gate.resolve('v');
    expect(await Promise.all([a, b])).toEqual(['v', 'v']);
  });
});

describe('cache: stale-if-error', () => {
  it('answers with an expired entry only when the call fails, within ttl + staleIfError, and says why', async () => {
    const { clock, policy, value, failing, calls } = setup({ staleIfError: 50 });
    const stale: unknown[] = [];
    policy.on('stale', (e) => stale.push(e));
    await policy.execute(value('old'), read);
    await clock.advance(120); // expired, within the stale window
    // A success replaces the entry: the stale one is not used.
    expect(await policy.execute(value('new'), read)).toBe('new');
    expect(stale).toEqual([]);
    await clock.advance(149); // age 149 of the new entry: within 100 + 50
    const down = new Error('down');
    expect(await policy.execute(failing(down), { ...read, correlationId: 'c' })).toBe('new');
    expect(stale).toEqual([{ error: down, policy: 'cache', key: 'user:1', correlationId: 'c', at: 269 }]);
    expect(calls()).toBe(3);
    await clock.advance(1); // age 150: too old even for a failure
    await expect(policy.execute(failing(down), read)).rejects.toBe(down);
    expect(stale).toHaveLength(1);
  });

  it('calls fn for an expired entry even when it could answer a failure', async () => {
    const { clock, policy, value, calls } = setup({ staleIfError: 1_000 });
    await policy.execute(value('old'), read);
    await clock.advance(100);
    expect(await policy.execute(value('new'), read)).toBe('new');
    expect(calls()).toBe(2);
  });

  it('serves no stale entry when staleIfError is 0', async () => {
    const { clock, policy, value, failing } = setup();
    await policy.execute(value('old'), read);
    await clock.advance(100);
    const down = new Error('down');
    await expect(policy.execute(failing(down), read)).rejects.toBe(down);
  });

  it('gives every caller sharing a failed run the stale value, each with its own event', async () => {
    const { clock, policy, value } = setup({ staleIfError: 500 });
    await policy.execute(value('old'), read);
    await clock.advance(200);
    const events: unknown[] = [];
    policy.on('stale', (e) => events.push(e.correlationId));
    const gate = deferred<string>();
    const calls = ['a', 'b', 'c'].map((id) => policy.execute(() => gate.promise, { ...read, correlationId: id }));
    gate.reject(new Error('down'));
    expect(await Promise.all(calls)).toEqual(['old', 'old', 'old']);
    expect(events).toEqual(['a', 'b', 'c']);
  });

  it('never covers the caller own abort with a stale answer', async () => {
    for (const coalesce of [true, false]) {
      const { clock, policy, value } = setup({ staleIfError: 1_000, coalesce });
      await policy.execute(value('old'), read);
      await clock.advance(200);
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      const p = policy.execute(
        ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
        {
          ...read,
          signal: controller.signal,
        },
      );
      controller.abort(reason);
      await expect(p).rejects.toBe(reason);
    }
  });

  it('a timeout inside the cache is a failure that the stale entry covers', async () => {
    const clock = new VirtualClock();
    const c = cache({ ttl: 100, staleIfError: 1_000, clock });
    const policy = pipeline(c, timeout(10, { clock }));
    await policy.execute(() => 'old', read);
    await clock.advance(150);
    const stale: unknown[] = [];
    c.on('stale', (e) => stale.push(e.error));
    const p = track(policy.execute(() => new Promise<string>(() => undefined), read));
    await clock.advance(10);
    expect(p).toMatchObject({ settled: true, ok: true, value: 'old' });
    expect(stale[0]).toBeInstanceOf(TimeoutError);
  });
});

describe('cache: coalescing', () => {
  it('runs fn once for concurrent calls of one key and gives every caller the value', async () => {
    const { policy } = setup();
    const counts = countEvents(policy);
    const gate = deferred<string>();
    let runs = 0;
    const fn = () => {
      runs++;
      return gate.promise;
    };
    const calls = [policy.execute(fn, read), policy.execute(fn, read), policy.execute(fn, read)];
    expect(runs).toBe(1);
    gate.resolve('v');
    expect(await Promise.all(calls)).toEqual(['v', 'v', 'v']);
    expect(counts).toEqual({ hit: 0, miss: 1, stale: 0, coalesced: 2 });
    expect(await policy.execute(fn, read)).toBe('v');
    expect(runs).toBe(1);
  });

  it('gives every caller the shared error, and caches nothing', async () => {
    const { policy } = setup();
    const gate = deferred<string>();
    const boom = new Error('boom');
    const calls = [0, 1, 2].map(() => policy.execute(() => gate.promise, read).catch((e: unknown) => e));
    gate.reject(boom);
    expect(await Promise.all(calls)).toEqual([boom, boom, boom]);
    expect(policy.size).toBe(0);
  });

  it('rejects an aborted caller alone, at once, with its own reason; the run goes on for the others', async () => {
    const { policy } = setup();
    const gate = deferred<string>();
    let shared: AbortSignal | undefined;
    const fn = (ctx: Context) => {
      shared = ctx.signal;
      return gate.promise;
    };
    const first = trackedAbortController();
    const second = trackedAbortController();
    const reason = new Error('first gave up');
    const a = track(policy.execute(fn, { ...read, signal: first.signal }));
    const b = track(policy.execute(fn, { ...read, signal: second.signal }));
    first.abort(reason);
    await flush();
    expect(a).toMatchObject({ settled: true, ok: false, error: reason });
    expect(b.settled).toBe(false);
    expect(shared?.aborted).toBe(false);
    gate.resolve('v');
    await flush();
    expect(b).toMatchObject({ settled: true, ok: true, value: 'v' });
    expect(abortListenerCount(first.signal).current).toBe(0);
    expect(abortListenerCount(second.signal).current).toBe(0);
    expect(policy.size).toBe(1);
  });

  it('aborts the shared run only when every caller aborted, with the last reason; its value is not stored', async () => {
    const { policy } = setup();
    let shared: AbortSignal | undefined;
    const gate = deferred<string>();
    const fn = (ctx: Context) => {
      shared = ctx.signal;
      return gate.promise;
    };
    const controllers = [new AbortController(), new AbortController()];
    const reasons = [new Error('r0'), new Error('r1')];
    const calls = controllers.map((c) => track(policy.execute(fn, { ...read, signal: c.signal })));
    controllers[1]?.abort(reasons[1]);
    expect(shared?.aborted).toBe(false);
    controllers[0]?.abort(reasons[0]);
    expect(shared?.aborted).toBe(true);
    expect(shared?.reason).toBe(reasons[0]);
    await flush();
    expect(calls.map((c) => c.error)).toEqual(reasons);
    // A new caller does not join the abandoned run: it starts its own.
    let runs = 0;
    expect(await policy.execute(() => (runs++, 'fresh'), read)).toBe('fresh');
    expect(runs).toBe(1);
    gate.resolve('late');
    await flush();
    expect(await policy.execute(() => 'x', read)).toBe('fresh');
  });

  it('an enclosing timeout is one caller abort: that caller alone rejects with TimeoutError', async () => {
    const clock = new VirtualClock();
    const c = cache({ ttl: 1_000, clock });
    const gate = deferred<string>();
    let runs = 0;
    const fn = () => {
      runs++;
      return gate.promise;
    };
    const short = track(pipeline(timeout(10, { clock, strategy: 'cooperative' }), c).execute(fn, read));
    const long = track(pipeline(timeout(1_000, { clock }), c).execute(fn, read));
    await clock.advance(10);
    // Cooperative: the timeout waits for what is inside; the cache let that caller go at once.
    expect(short.settled).toBe(true);
    expect(short.error).toBeInstanceOf(TimeoutError);
    expect(long.settled).toBe(false);
    gate.resolve('v');
    await flush();
    expect(long).toMatchObject({ settled: true, ok: true, value: 'v' });
    expect(runs).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('does not coalesce with coalesce: false, but still caches', async () => {
    const { policy } = setup({ coalesce: false });
    const gate = deferred<string>();
    let runs = 0;
    const fn = () => {
      runs++;
      return gate.promise;
    };
    const calls = [policy.execute(fn, read), policy.execute(fn, read)];
    expect(runs).toBe(2);
    gate.resolve('v');
    await Promise.all(calls);
    await policy.execute(fn, read);
    expect(runs).toBe(2);
  });

  it('a caller arriving after the run settled gets the stored value, not a second run', async () => {
    const { policy } = setup();
    let runs = 0;
    const fn = () => (runs++, Promise.resolve('v'));
    await policy.execute(fn, read);
    await policy.execute(fn, read);
    expect(runs).toBe(1);
  });

  it('rejects at once, without running fn, when the signal has already aborted', async () => {
    const { policy, value, calls } = setup();
    await policy.execute(value('v'), read);
    const reason = new Error('already');
    const signal = AbortSignal.abort(reason);
    await expect(policy.execute(value('x'), { ...read, signal })).rejects.toBe(reason);
    await expect(policy.execute(value('x'), { key: 'other', idempotent: true, signal })).rejects.toBe(reason);
    expect(calls()).toBe(1);
  });
});

describe('cache: delete, clear, size', () => {
  it('drops one entry with delete and every entry with clear', async () => {
    const { policy, value, calls } = setup();
    await policy.execute(value(1), { key: 'a', idempotent: true });
    await policy.execute(value(2), { key: 'b', idempotent: true });
    expect(policy.size).toBe(2);
    expect(policy.delete('a')).toBe(true);
    expect(policy.delete('a')).toBe(false);
    expect(policy.size).toBe(1);
    expect(await policy.execute(value(3), { key: 'a', idempotent: true })).toBe(3);
    policy.clear();
    expect(policy.size).toBe(0);
    expect(await policy.execute(value(4), { key: 'b', idempotent: true })).toBe(4);
    expect(calls()).toBe(4);
  });

  it('a run in flight when its key is deleted still answers, but is not stored nor joined', async () => {
    for (const drop of [(p: CachePolicy) => p.delete('user:1'), (p: CachePolicy) => p.clear()]) {
      const { policy } = setup();
      const gate = deferred<string>();
      const first = policy.execute(() => gate.promise, read);
      drop(policy);
      let runs = 0;
      const second = policy.execute(() => (runs++, 'new'), read);
      expect(runs).toBe(1);
      gate.resolve('old');
      expect(await first).toBe('old');
      expect(await second).toBe('new');
      expect(await policy.execute(() => 'x', read)).toBe('new');
    }
  });

  it('bounds memory by maxEntries over 100,000 keys, dropping the least recently used', async () => {
    const { policy } = setup({ maxEntries: 1_000 });
    for (let i = 0; i < 100_000; i++) {
      await policy.execute(() => i, { key: `k${i}`, idempotent: true });
      if (i === 10) await policy.execute(() => -1, { key: 'k0', idempotent: true }); // k0 used again
    }
    expect(policy.size).toBe(1_000);
    let ran = false;
    // The most recent keys are held; the oldest were evicted.
    expect(await policy.execute(() => ((ran = true), -1), { key: 'k99999', idempotent: true })).toBe(99_999);
    expect(ran).toBe(false);
    expect(await policy.execute(() => ((ran = true), -1), { key: 'k5', idempotent: true })).toBe(-1);
    expect(ran).toBe(true);
  });
});

describe('cache: keys', () => {
  it('reads the entry named by the key option', async () => {
    const { policy, value, calls } = setup({ key: (ctx) => (ctx.key === undefined ? 'anonymous' : `u:${ctx.key}`) });
    await policy.execute(value('a'), { idempotent: true });
    expect(await policy.execute(value('b'), { idempotent: true })).toBe('a');
    expect(calls()).toBe(1);
  });

  it('a key function returning undefined means: not cached', async () => {
    const { policy, value, calls } = setup({ key: () => undefined });
    await policy.execute(value(1), read);
    await policy.execute(value(2), read);
    expect(calls()).toBe(2);
  });

  it('rejects the call without running fn when the key function throws or returns a non-string', async () => {
    const bad = new Error('bad key');
    const throwing = setup({
      key: () => {
        throw bad;
      },
    });
    await expect(throwing.policy.execute(throwing.value(1), read)).rejects.toBe(bad);
    expect(throwing.calls()).toBe(0);
    const numeric = setup({ key: (() => 5) as unknown as () => string });
    await expect(numeric.policy.execute(numeric.value(1), read)).rejects.toThrow(
      new TypeError('cache: key must return a string or undefined, got 5'),
    );
    expect(numeric.calls()).toBe(0);
  });
});

describe('cache: composition', () => {
  it('hands fn the enclosing context: signal, deadline, attempt, key, idempotent', async () => {
    const clock = new VirtualClock(1_000);
    const c = cache({ ttl: 100, clock });
    const seen: Context[] = [];
    const policy = pipeline(timeout(500, { clock }), c);
    await policy.execute((ctx) => (seen.push(ctx), 'v'), { ...read, correlationId: 'c1' });
    expect(seen[0]?.deadline).toBe(1_500);
    expect(seen[0]?.key).toBe('user:1');
    expect(seen[0]?.correlationId).toBe('c1');
    expect(seen[0]?.idempotent).toBe(true);
    expect(seen[0]?.attempt).toBe(1);
    // Not cached: the same context object as the timeout's.
    const direct: Context[] = [];
    await policy.execute((ctx) => (direct.push(ctx), 'v'), { key: 'w' });
    expect(direct[0]?.deadline).toBe(1_500);
  });

  it('the shared run signal follows an enclosing timeout of its only caller', async () => {
    const clock = new VirtualClock();
    const policy = pipeline(timeout(10, { clock }), cache({ ttl: 100, clock }));
    let signal: AbortSignal | undefined;
    const p = policy.execute((ctx) => {
      signal = ctx.signal;
      return new Promise(() => undefined);
    }, read);
    const caught = p.catch((e: unknown) => e);
    await clock.advance(10);
    expect(await caught).toBeInstanceOf(TimeoutError);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(TimeoutError);
    expect(clock.pending).toBe(0);
  });

  it('inside retry({ idempotent: true }), calls are idempotent and cached; a failed attempt is retried, not cached', async () => {
    const clock = new VirtualClock();
    const c = cache({ ttl: 1_000, clock });
    const policy = pipeline(retry({ idempotent: true, maxAttempts: 2, backoff: () => 0, clock }), c);
    let runs = 0;
    const fn = (ctx: Context) => {
      runs++;
      return ctx.attempt === 1 ? Promise.reject(new Error('once')) : `ok on ${ctx.attempt}`;
    };
    const p = policy.execute(fn, { key: 'k' });
    await clock.runAll();
    expect(await p).toBe('ok on 2');
    expect(await policy.execute(fn, { key: 'k' })).toBe('ok on 2');
    expect(runs).toBe(2);
  });

  it('works with a clock that starts at 0 (lru-cache reads a start of 0 as no TTL)', async () => {
    const { clock, policy, value, failing } = setup({ staleIfError: 10 });
    await policy.execute(value('v'), read);
    await clock.advance(1_000);
    const down = new Error('down');
    await expect(policy.execute(failing(down), read)).rejects.toBe(down);
  });
});

describe('cache: clock reads', () => {
  it('reads the clock once for a hit and twice for a miss that stores (lru-cache reads the same instant)', async () => {
    const clock = new VirtualClock();
    let reads = 0;
    const counting = {
      now: () => (reads++, clock.now()),
      setTimeout: clock.setTimeout.bind(clock),
      clearTimeout: clock.clearTimeout.bind(clock),
    };
    const policy = cache({ ttl: 100, staleIfError: 100, clock: counting });
    await policy.execute(() => 'v', read);
    expect(reads).toBe(2);
    reads = 0;
    expect(await policy.execute(() => 'w', read)).toBe('v');
    expect(reads).toBe(1);
    reads = 0;
    await pipeline(policy).execute(() => 'w', read);
    expect(reads).toBe(1);
  });
});

describe('cache: no timers, no listeners', () => {
  it('never arms a timer, neither its own nor lru-cache', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      for (const clock of [new VirtualClock(), undefined]) {
        const policy = cache({ ttl: 50, staleIfError: 50, maxEntries: 10, ...(clock === undefined ? {} : { clock }) });
        for (let i = 0; i < 100; i++) {
          await policy.execute(() => i, { key: `k${i % 20}`, idempotent: true });
          await policy
            .execute(() => Promise.reject(new Error('x')), { key: `k${i % 20}`, idempotent: true })
            .catch(() => 0);
          if (clock !== undefined) await clock.advance(7);
        }
        expect(clock?.pending ?? 0).toBe(0);
      }
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('a throwing listener changes nothing', async () => {
    const { policy, value } = setup();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      for (const event of CACHE_EVENTS) {
        policy.on(event, () => {
          throw new Error('listener');
        });
      }
      expect(await policy.execute(value('v'), read)).toBe('v');
      expect(await policy.execute(value('w'), read)).toBe('v');
      expect(warn).toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('cache: bad options', () => {
  const clock = new VirtualClock();
  it.each([
    [undefined, TypeError, 'cache: ttl must be a positive finite number, got undefined'],
    [{ ttl: -5 }, RangeError, 'cache: ttl must be a positive finite number, got -5'],
    [{ ttl: 0 }, RangeError, 'cache: ttl must be a positive finite number, got 0'],
    [{ ttl: Infinity }, RangeError, 'cache: ttl must be a positive finite number, got Infinity'],
    [{ ttl: '10' }, TypeError, 'cache: ttl must be a positive finite number, got "10"'],
    [{ ttl: 10, staleIfError: -1 }, RangeError, 'cache: staleIfError must be a finite number >= 0, got -1'],
    [{ ttl: 10, staleIfError: NaN }, RangeError, 'cache: staleIfError must be a finite number >= 0, got NaN'],
    [{ ttl: 10, maxEntries: 0 }, RangeError, 'cache: maxEntries must be an integer >= 1, got 0'],
    [{ ttl: 10, maxEntries: 1.5 }, RangeError, 'cache: maxEntries must be an integer >= 1, got 1.5'],
    [{ ttl: 10, maxEntries: 2 ** 25 }, RangeError, 'cache: maxEntries must be at most 16777216, got 33554432'],
    [{ ttl: 10, key: 'id' }, TypeError, 'cache: key must be a function, got "id"'],
    [{ ttl: 10, coalesce: 1 }, TypeError, 'cache: coalesce must be a boolean, got 1'],
    [{ ttl: 10, serialize: 'json' }, TypeError, 'cache: serialize must be a function, got "json"'],
    [{ ttl: 10, deserialize: null }, TypeError, 'cache: deserialize must be a function, got null'],
    [
      { ttl: 10, store: 'redis', name: 'n' },
      TypeError,
      'cache: store must be a shared store (memoryStore() or redisStore()), got "redis"',
    ],
    [
      { ttl: 10, store: {}, name: 'n' },
      TypeError,
      'cache: store must be a shared store (memoryStore() or redisStore()), got an object',
    ],
    [{ ttl: 10, name: '' }, TypeError, 'cache: name must be a non-empty string, got ""'],
    [
      { ttl: 10, clock: {} },
      TypeError,
      'cache: clock must be an object with now, setTimeout and clearTimeout, got an object',
    ],
    [{ ttl: 10, ttlMs: 5 }, TypeError, 'cache: unknown option ttlMs (use ttl (milliseconds))'],
    [{ ttl: 10, cacheTTL: 5 }, TypeError, "cache: unknown option cacheTTL (opossum's name; use ttl)"],
    [{ ttl: 10, max: 5 }, TypeError, "cache: unknown option max (lru-cache's name; use maxEntries)"],
    [{ ttl: 10, allowStale: true }, TypeError, 'cache: unknown option allowStale'],
    ['fast', TypeError, 'cache: options must be an object, got "fast"'],
  ])('cache(%j) throws %s', (options, type, message) => {
    const make = () => cache(options as never);
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });

  it('a store needs an explicit name', () => {
    const store = memoryStore({ clock });
    expect(() => cache({ ttl: 10, store, clock })).toThrow(
      new TypeError('cache: a cache with a store needs an explicit name, got undefined'),
    );
    const named = cache({ ttl: 10, store, name: 'users', clock });
    expect(named.store).toBe(store);
  });
});
