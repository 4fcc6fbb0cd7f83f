import { describe, expect, it, vi } from 'vitest';
import { combineSignals } from '../../src/fetch/combine-signals.js';

describe.each([
  ['AbortSignal.any', undefined],
  ['the listener fallback (no AbortSignal.any)', null],
])('combineSignals with %s', (_label, mode) => {
  const combine = (a: AbortSignal, b: AbortSignal) =>
    mode === null ? combineSignals(a, b, null) : combineSignals(a, b);

  it.each([0, 1])('aborts with the reason of signal %i when it aborts first', (which) => {
    const controllers = [new AbortController(), new AbortController()] as const;
    const { signal } = combine(controllers[0].signal, controllers[1].signal);
    const reason = new Error(`from ${which}`);
    controllers[which]?.abort(reason);
    controllers[1 - which]?.abort(new Error('later'));
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it('is aborted at once when a signal already is', () => {
    const a = new AbortController();
    a.abort('early');
    const { signal } = combine(a.signal, new AbortController().signal);
    expect(signal.reason).toBe('early');
  });
});

describe('combineSignals fallback', () => {
  it('removes its listeners on release', () => {
    const a = new AbortController();
    const b = new AbortController();
    const added = [vi.spyOn(a.signal, 'addEventListener'), vi.spyOn(b.signal, 'addEventListener')];
    const removed = [vi.spyOn(a.signal, 'removeEventListener'), vi.spyOn(b.signal, 'removeEventListener')];
    const { signal, release } = combineSignals(a.signal, b.signal, null);
    release();
    for (let i = 0; i < 2; i++) {
      expect(added[i]?.mock.calls).toHaveLength(1);
      expect(removed[i]?.mock.calls).toEqual(added[i]?.mock.calls);
    }
    a.abort('x');
    expect(signal.aborted).toBe(false);
  });

  it('when the second signal has already aborted, the result is aborted with its reason', () => {
    const a = new AbortController();
    const b = new AbortController();
    const reason = new Error('b first');
    b.abort(reason);
    const { signal, release } = combineSignals(a.signal, b.signal, null);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(() => release()).not.toThrow();
  });
});
