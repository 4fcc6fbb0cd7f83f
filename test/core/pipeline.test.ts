import { describe, expect, it, vi } from 'vitest';
import { type Context, type ExecuteOptions, type Policy, pipeline, Pipeline, timeout } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

describe('pipeline', () => {
  it('pipeline() runs the function as it is', async () => {
    const p = pipeline();
    await expect(p.execute(() => 42)).resolves.toBe(42);
    await expect(p.execute(async () => 'x')).resolves.toBe('x');
    const boom = new Error('boom');
    await expect(
      p.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(p).toBeInstanceOf(Pipeline);
    expect(p.policies).toEqual([]);
  });

  it('rejects with signal.reason when the caller already aborted, without running fn', async () => {
    const controller = new AbortController();
    controller.abort('gone');
    const fn = vi.fn();
    await expect(pipeline().execute(fn, { signal: controller.signal })).rejects.toBe('gone');
    expect(fn).not.toHaveBeenCalled();
  });

  it('exposes its policies in order, frozen', () => {
    const a = timeout(10);
    const b = timeout(20);
    const p = pipeline(a, b);
    expect(p.policies).toEqual([a, b]);
    expect(Object.isFrozen(p.policies)).toBe(true);
  });

  it('calls the first policy outermost and flows options through every layer', async () => {
    const order: string[] = [];
    const seen: Array<ExecuteOptions | undefined> = [];
    const foreign = (label: string): Policy => ({
      execute<T>(fn: (ctx: Context) => T | PromiseLike<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
        order.push(`${label}>`);
        seen.push(options);
        return Promise.resolve(
          fn({
            signal: options?.signal ?? new AbortController().signal,
            attempt: 1,
            idempotent: options?.idempotent ?? false,
            idempotencyKey: 'k',
            key: options?.key,
            correlationId: options?.correlationId,
            deadline: undefined,
          }),
        ).then((v) => {
          order.push(`<${label}`);
          return v as Awaited<T>;
        });
      },
    });
    const p = pipeline(foreign('a'), pipeline(foreign('b'), foreign('c')));
    const ctxs: Context[] = [];
    await p.execute(
      (ctx) => {
        ctxs.push(ctx);
        order.push('fn');
      },
      { key: 'k1', correlationId: 'c1', idempotent: true },
    );
    expect(order).toEqual(['a>', 'b>', 'c>', 'fn', '<c', '<b', '<a']);
    for (const o of seen) expect(o).toMatchObject({ key: 'k1', correlationId: 'c1', idempotent: true });
    expect(ctxs[0]).toMatchObject({ key: 'k1', correlationId: 'c1', idempotent: true, attempt: 1 });
  });

  it('gives one idempotency key per execute, the same in every layer, and a new one per execute', async () => {
    const clock = new VirtualClock();
    const p = pipeline(timeout(100, { clock }), pipeline(timeout(50, { clock })));
    const keys: string[] = [];
    await p.execute((ctx) => {
      keys.push(ctx.idempotencyKey, ctx.idempotencyKey);
    });
    await p.execute((ctx) => {
      keys.push(ctx.idempotencyKey);
    });
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(new Set(keys).size).toBe(2);
  });

  it('a timeout inside a pipeline rejects the whole call with TimeoutError', async () => {
    const clock = new VirtualClock();
    const p = pipeline(pipeline(), timeout(30, { clock }));
    const out = p.execute(() => new Promise(() => {})).catch((e: unknown) => e);
    await clock.advance(30);
    expect(await out).toMatchObject({ name: 'TimeoutError', ms: 30 });
    expect(clock.pending).toBe(0);
  });

  it('rejects anything that is not a policy at construction', () => {
    expect(() => pipeline(timeout(1), {} as Policy)).toThrow(TypeError);
    expect(() => pipeline(timeout(1), null as unknown as Policy)).toThrow(
      'pipeline: argument 2 must be a policy (an object with execute), got null',
    );
  });

  it('rejects a non-function passed to execute', async () => {
    await expect(pipeline().execute('x' as never)).rejects.toThrow(TypeError);
  });

  it('ctx.signal is not aborted on success and is built only when read', async () => {
    const Original = globalThis.AbortController;
    let built = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        built++;
      }
    };
    try {
      const clock = new VirtualClock();
      const p = pipeline(timeout(100, { clock }));
      await p.execute(() => 1);
      expect(built).toBe(0);
      let signal: AbortSignal | undefined;
      await p.execute((ctx) => {
        signal = ctx.signal;
        return 1;
      });
      expect(built).toBe(1);
      expect(signal?.aborted).toBe(false);
    } finally {
      globalThis.AbortController = Original;
    }
  });
});
