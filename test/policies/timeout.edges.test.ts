import { describe, expect, it } from 'vitest';
import { type Context, pipeline, type Policy, timeout, TimeoutError } from '../../src/index.js';
import { scripted, succeed, VirtualClock } from '../../src/testing/index.js';

describe('timeout: edges', () => {
  it('accepts the largest platform delay exactly', () => {
    expect(timeout(2_147_483_647).ms).toBe(2_147_483_647);
  });

  it('never starts the function when the enclosing scope aborted before it got there', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    // A policy from elsewhere that lets the caller abort before it calls on.
    const foreign: Policy = {
      execute: <T>(fn: (ctx: Context) => T | PromiseLike<T>) => {
        controller.abort('gone');
        return Promise.resolve(fn({} as Context)) as Promise<Awaited<T>>;
      },
    };
    const dependency = scripted([succeed('ran')], { clock });
    await expect(
      pipeline(foreign, timeout(50, { clock })).execute(dependency, { signal: controller.signal }),
    ).rejects.toBe('gone');
    expect(dependency.calls).toHaveLength(0);
    expect(clock.pending).toBe(0);
  });

  it('gives the function the tighter of its own and the enclosing deadline', async () => {
    const clock = new VirtualClock(1_000);
    const deadlines: (number | undefined)[] = [];
    const read = (ctx: Context): void => void deadlines.push(ctx.deadline);
    await timeout(50, { clock }).execute(read);
    await pipeline(timeout(100, { clock }), timeout(50, { clock })).execute(read);
    await pipeline(timeout(50, { clock }), timeout(100, { clock })).execute(read);
    expect(deadlines).toEqual([1_050, 1_050, 1_050]);
    expect(clock.pending).toBe(0);
  });

  it('rejects with the TimeoutError itself when the function rethrows the signal reason (cooperative)', async () => {
    const clock = new VirtualClock();
    const p = timeout(10, { clock, strategy: 'cooperative' }).execute(
      ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    const caught = p.catch((e: unknown) => e);
    await clock.advance(10);
    const error = await caught;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).cause).toBeUndefined();
  });
});
