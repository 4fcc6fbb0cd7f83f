import { describe, expect, it, vi } from 'vitest';
import { type Context, DEFAULT_FALLBACK_ON, fallback, type Outcome, pipeline, timeout } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

const boom = new Error('boom');
const fail = (): Promise<never> => Promise.reject(boom);

describe('fallback: defaults and validation', () => {
  it('defaults to the name "fallback" and to handling every error but no value', () => {
    expect(fallback(1).name).toBe('fallback');
    expect(DEFAULT_FALLBACK_ON({ ok: false, error: boom })).toBe(true);
    expect(DEFAULT_FALLBACK_ON({ ok: false, error: undefined })).toBe(true);
    expect(DEFAULT_FALLBACK_ON({ ok: true, value: 1 })).toBe(false);
  });

  it('rejects a non-function on, a bad name and a bad options object naming the option and value', () => {
    expect(() => fallback(1, { on: 5 as never })).toThrow(TypeError);
    expect(() => fallback(1, { on: 5 as never })).toThrow('fallback: on must be a function, got 5');
    expect(() => fallback(1, { name: '' })).toThrow('fallback: name must be a non-empty string, got ""');
    expect(() => fallback(1, 'x' as never)).toThrow(TypeError);
    expect(() => fallback(1, 'x' as never)).toThrow('fallback: options must be an object, got "x"');
    expect(() => fallback(1, { clock: {} as never })).toThrow(
      'fallback: clock must be an object with now, setTimeout and clearTimeout, got an object',
    );
  });

  it('rejects a non-function passed to execute', async () => {
    await expect(fallback(1).execute(5 as never)).rejects.toThrow(TypeError);
  });
});

describe('fallback: semantics', () => {
  it('resolves with the value of fn when it succeeds, without calling the fallback', async () => {
    const alt = vi.fn(() => 'alt');
    await expect(fallback(alt).execute(() => 'ok')).resolves.toBe('ok');
    expect(alt).not.toHaveBeenCalled();
  });

  it('resolves with the fallback value when fn rejects or throws synchronously', async () => {
    await expect(fallback('alt').execute(fail)).resolves.toBe('alt');
    await expect(
      fallback('alt').execute(() => {
        throw boom;
      }),
    ).resolves.toBe('alt');
  });

  it('calls the function form once with the outcome and the context, and awaits it', async () => {
    const alt = vi.fn(async (outcome: Outcome, ctx: Context) => {
      await Promise.resolve();
      return { outcome, key: ctx.key, attempt: ctx.attempt };
    });
    const result = await fallback(alt).execute(fail, { key: 'k' });
    expect(alt).toHaveBeenCalledTimes(1);
    expect(result).toEqual({ outcome: { ok: false, error: boom }, key: 'k', attempt: 1 });
  });

  it('calls the fallback exactly once per failed call and settles exactly once (opossum #198)', async () => {
    const alt = vi.fn(() => 'alt');
    const policy = fallback(alt);
    const settled = vi.fn();
    const runs = Array.from({ length: 50 }, () => policy.execute(fail).then(settled, settled));
    await Promise.all(runs);
    expect(alt).toHaveBeenCalledTimes(50);
    expect(settled).toHaveBeenCalledTimes(50);
  });

  it('rejects with the fallback function error when the fallback itself fails', async () => {
    const second = new Error('second');
    await expect(fallback(() => Promise.reject(second)).execute(fail)).rejects.toBe(second);
    await expect(
      fallback(() => {
        throw second;
      }).execute(fail),
    ).rejects.toBe(second);
  });

  it('rethrows errors that on does not accept, unchanged', async () => {
    const policy = fallback('alt', { on: (o) => !o.ok && o.error instanceof TypeError });
    await expect(policy.execute(fail)).rejects.toBe(boom);
    await expect(policy.execute(() => Promise.reject(new TypeError('t')))).resolves.toBe('alt');
  });

  it('with a custom on, replaces values that on accepts and keeps the others', async () => {
    const on = vi.fn((o: Outcome) => o.ok && o.value === null);
    const policy = fallback('alt', { on });
    await expect(policy.execute(() => null)).resolves.toBe('alt');
    await expect(policy.execute(() => 'fine')).resolves.toBe('fine');
    expect(on).toHaveBeenCalledWith({ ok: true, value: null });
  });

  it('never calls on for a value with the default on', async () => {
    await expect(fallback('alt').execute(() => null)).resolves.toBeNull();
  });

  it('returns a function fallback only when wrapped, since a function is always called', async () => {
    const target = (): number => 1;
    const policy = fallback(() => target);
    await expect(policy.execute(fail)).resolves.toBe(target);
  });
});

describe('fallback: caller abort', () => {
  it('never catches the caller abort, even with an on that accepts everything', async () => {
    const controller = new AbortController();
    const reason = new Error('caller went away');
    const alt = vi.fn(() => 'alt');
    const policy = fallback(alt, { on: () => true });
    const p = policy.execute(
      ({ signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      { signal: controller.signal },
    );
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(alt).not.toHaveBeenCalled();
  });

  it('rejects at once with the reason when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort('gone');
    const fn = vi.fn(() => 1);
    await expect(fallback(0).execute(fn, { signal: controller.signal })).rejects.toBe('gone');
    expect(fn).not.toHaveBeenCalled();
  });

  it('does not catch the caller abort that passes through an inner timeout', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const policy = pipeline(fallback('alt'), timeout(1_000, { clock }));
    const p = policy.execute(() => new Promise(() => {}), { signal: controller.signal });
    controller.abort('stop');
    await expect(p).rejects.toBe('stop');
    expect(clock.pending).toBe(0);
  });

  it('catches an inner timeout, which is not the caller abort', async () => {
    const clock = new VirtualClock();
    const policy = pipeline(fallback('alt'), timeout(100, { clock }));
    const p = policy.execute(() => new Promise(() => {}));
    await clock.advance(100);
    await expect(p).resolves.toBe('alt');
  });

  it('does not fall back once the caller aborted: execute rejects with signal.reason', async () => {
    const controller = new AbortController();
    const p = fallback('alt').execute(
      () =>
        new Promise((_, reject) => {
          controller.abort('stop');
          reject(boom);
        }),
      { signal: controller.signal },
    );
    await expect(p).rejects.toBe('stop');
  });
});

describe('fallback: events', () => {
  it('emits fallback with the outcome and the common fields, after deciding to fall back', async () => {
    const clock = new VirtualClock(7);
    const policy = fallback('alt', { clock, name: 'prices' });
    const seen: unknown[] = [];
    policy.on('fallback', (e) => seen.push(e));
    await policy.execute(fail, { key: 'k', correlationId: 'c' });
    await policy.execute(() => 'ok');
    expect(seen).toEqual([
      { outcome: { ok: false, error: boom }, policy: 'prices', key: 'k', correlationId: 'c', at: 7 },
    ]);
    expect(Object.isFrozen(seen[0])).toBe(true);
  });

  it('a throwing listener does not change the outcome', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const policy = fallback('alt');
    policy.on('fallback', () => {
      throw new Error('listener');
    });
    await expect(policy.execute(fail)).resolves.toBe('alt');
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });
});

describe('fallback: no unhandled rejections (opossum #547)', () => {
  it('leaves no unhandled rejection when the fallback is used, rethrown or itself fails', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const clock = new VirtualClock();
      const policies = [
        fallback('alt'),
        fallback('alt', { on: () => false }),
        fallback(() => Promise.reject(new Error('second'))),
        pipeline(fallback('alt'), timeout(10, { clock })),
      ];
      const runs: Promise<unknown>[] = policies.map((p) =>
        p.execute(() => (Math.random() < 2 ? fail() : 1)).catch(() => 'caught'),
      );
      runs.push(policies[3]!.execute(() => new Promise(() => {})).catch(() => 'caught'));
      await clock.advance(10);
      await Promise.all(runs);
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('fallback: rejections with undefined and errors after an abort', () => {
  it('a rejection with undefined, with no abort, gets the fallback', async () => {
    const policy = fallback('fallback value');
    await expect(policy.execute(() => Promise.reject(undefined))).resolves.toBe('fallback value');
  });

  it('an error that is not the abort reason gets the fallback even after the caller aborted', async () => {
    // The caller's promise rejects with the reason; what the policy did is seen through `on`.
    const seen: unknown[] = [];
    const policy = fallback('fb', {
      on: (o) => {
        seen.push(o.ok ? o.value : o.error);
        return !o.ok;
      },
    });
    const controller = new AbortController();
    const own = new Error('own');
    let rejectInner!: (e: unknown) => void;
    const result = policy
      .execute(() => new Promise((_r, reject) => (rejectInner = reject)), { signal: controller.signal })
      .catch((e: unknown) => e);
    controller.abort(new Error('gone'));
    rejectInner(own);
    expect(((await result) as Error).message).toBe('gone');
    await Promise.resolve();
    expect(seen).toEqual([own]);
  });
});
