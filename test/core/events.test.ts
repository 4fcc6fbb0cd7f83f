import { afterEach, describe, expect, it, vi } from 'vitest';
import { timeout } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

const never = (): Promise<never> => new Promise(() => {});

describe('events: listener isolation', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a throwing listener changes neither the outcome nor the other listeners, and is reported as a process warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const clock = new VirtualClock();
    const t = timeout(10, { clock });
    const seen: string[] = [];
    const boom = new Error('listener boom');
    t.on('timeout', () => {
      seen.push('first');
      throw boom;
    });
    t.on('timeout', () => {
      seen.push('second');
    });
    const p = t.execute(never);
    const outcome = p.then(
      () => 'resolved',
      (e: unknown) => (e as Error).name,
    );
    await clock.advance(10);
    expect(await outcome).toBe('TimeoutError');
    expect(seen).toEqual(['first', 'second']);
    expect(warn).toHaveBeenCalledTimes(1);
    const warning = warn.mock.calls[0]?.[0] as Error;
    expect(warning.name).toBe('BreakwaterListenerError');
    expect(warning.cause).toBe(boom);
  });

  it('falls back to console.error where process.emitWarning does not exist', async () => {
    const original = process.emitWarning;
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    (process as { emitWarning?: unknown }).emitWarning = undefined;
    try {
      const clock = new VirtualClock();
      const t = timeout(10, { clock });
      t.on('timeout', () => {
        throw 'plain';
      });
      t.execute(never).catch(() => {});
      await clock.advance(10);
      expect(error).toHaveBeenCalledTimes(1);
    } finally {
      process.emitWarning = original;
    }
  });

  it('once listeners run once and off removes a listener added with on or once', async () => {
    const clock = new VirtualClock();
    const t = timeout(10, { clock });
    const once = vi.fn();
    const on = vi.fn();
    const removed = vi.fn();
    t.once('timeout', once);
    t.on('timeout', on);
    t.on('timeout', removed);
    t.off('timeout', removed);
    const offOnce = vi.fn();
    t.once('timeout', offOnce);
    t.off('timeout', offOnce);
    expect(t.listeners('timeout')).toEqual([once, on]);
    for (let i = 0; i < 2; i++) {
      t.execute(never).catch(() => {});
      await clock.advance(10);
    }
    expect(once).toHaveBeenCalledTimes(1);
    expect(on).toHaveBeenCalledTimes(2);
    expect(removed).not.toHaveBeenCalled();
    expect(offOnce).not.toHaveBeenCalled();
    expect(t.listenerCount('timeout')).toBe(1);
  });

  it('passes the listener context through as this', async () => {
    const clock = new VirtualClock();
    const t = timeout(10, { clock });
    const self = { hits: 0 };
    t.on(
      'timeout',
      function (this: typeof self) {
        this.hits++;
      },
      self,
    );
    t.execute(never).catch(() => {});
    await clock.advance(10);
    expect(self.hits).toBe(1);
  });
});
