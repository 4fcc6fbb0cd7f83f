import { describe, expect, it } from 'vitest';
import {
  pipeline,
  subscribeToAbort,
  timeout,
  TimeoutError,
  unsubscribeFromAbort,
  type Context,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

function listener(): { handleEvent(): void; calls: number } {
  return {
    calls: 0,
    handleEvent() {
      this.calls++;
    },
  };
}

describe('subscribeToAbort', () => {
  it('returns false and keeps nothing when nothing can abort the call', async () => {
    const l = listener();
    const kept = await pipeline().execute((ctx) => subscribeToAbort(ctx, l));
    expect(kept).toBe(false);
    expect(l.calls).toBe(0);
  });

  it('hears a timeout once, and not after unsubscribing', async () => {
    const clock = new VirtualClock();
    const heard = listener();
    const left = listener();
    const call = timeout(10, { clock })
      .execute(
        (ctx) =>
          new Promise<void>(() => {
            expect(subscribeToAbort(ctx, heard)).toBe(true);
            expect(subscribeToAbort(ctx, left)).toBe(true);
            unsubscribeFromAbort(ctx, left);
          }),
      )
      .catch((e: unknown) => e);
    await clock.advance(10);
    expect(await call).toBeInstanceOf(TimeoutError);
    expect(heard.calls).toBe(1);
    expect(left.calls).toBe(0);
  });

  it('hears the caller’s abort, and runs the listener at once for a call that already aborted', async () => {
    const controller = new AbortController();
    const l = listener();
    let seen: Context | undefined;
    const call = pipeline()
      .execute(
        (ctx) => {
          seen = ctx;
          subscribeToAbort(ctx, l);
          return new Promise(() => undefined);
        },
        { signal: controller.signal },
      )
      .catch(() => undefined);
    controller.abort(new Error('stop'));
    await call;
    expect(l.calls).toBe(1);
    const late = listener();
    expect(subscribeToAbort(seen as Context, late)).toBe(false);
    expect(late.calls).toBe(1);
  });

  it('falls back to ctx.signal for a context from elsewhere', () => {
    const controller = new AbortController();
    const foreign = { signal: controller.signal } as Context;
    const l = listener();
    const gone = listener();
    expect(subscribeToAbort(foreign, l)).toBe(true);
    expect(subscribeToAbort(foreign, gone)).toBe(true);
    unsubscribeFromAbort(foreign, gone);
    controller.abort();
    controller.abort();
    expect(l.calls).toBe(1);
    expect(gone.calls).toBe(0);
  });
});
