import { afterEach, describe, expect, it, vi } from 'vitest';
import { getEventListeners } from 'node:events';
import { pipeline, timeout } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

const listenersOf = (signal: AbortSignal): number =>
  (getEventListeners as unknown as (t: EventTarget, type: string) => unknown[])(signal, 'abort').length;

describe('a caller signal shared by many concurrent calls', () => {
  afterEach(() => vi.restoreAllMocks());

  it('holds one abort listener however many calls share it, none once they settle, and no warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning');
    const clock = new VirtualClock();
    const policy = pipeline(timeout(1_000, { clock }), timeout(500, { clock }));
    const controller = new AbortController();
    const calls = Array.from({ length: 50 }, (_, i) =>
      policy.execute(() => new Promise((resolve) => clock.setTimeout(() => resolve(i), i)), {
        signal: controller.signal,
      }),
    );
    expect(listenersOf(controller.signal)).toBe(1);
    await clock.advance(50);
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(listenersOf(controller.signal)).toBe(0);
    expect(clock.pending).toBe(0);
    expect(warn).not.toHaveBeenCalled();
  });

  it('an abort rejects every call with the reason and leaves no listener', async () => {
    const clock = new VirtualClock();
    const policy = timeout(1_000, { clock });
    const controller = new AbortController();
    const calls = Array.from({ length: 20 }, () =>
      policy.execute(() => new Promise(() => {}), { signal: controller.signal }).catch((e: unknown) => e),
    );
    controller.abort('shutdown');
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 20 }, () => 'shutdown'));
    expect(listenersOf(controller.signal)).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
