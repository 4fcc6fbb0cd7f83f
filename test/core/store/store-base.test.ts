import { describe, expect, it, vi } from 'vitest';
import { StoreBase, StoreTimeoutError, type StoreReply } from '../../../src/index.js';
import { VirtualClock } from '../../../src/testing/index.js';

/** A store whose every command is a promise the test settles by hand. */
class HandStore extends StoreBase {
  readonly commands: { resolve: (v: string | null) => void; reject: (e: unknown) => void }[] = [];

  constructor(clock: VirtualClock) {
    super({ name: 'hand', clock, commandTimeout: 50, retryAfter: 1_000 });
  }

  get(): StoreReply<string | null> {
    return this.send(() => new Promise<string | null>((resolve, reject) => this.commands.push({ resolve, reject })));
  }

  set = (): StoreReply<boolean> => undefined;
  delete = (): StoreReply<boolean> => undefined;
  take = (): StoreReply<never> => undefined;
  breaker = (): StoreReply<never> => undefined;
  probe = (): StoreReply<boolean> => undefined;
  unprobe = (): StoreReply<boolean> => undefined;
}

describe('StoreBase: health', () => {
  it('a reply clears the commandTimeout timer: nothing is left pending', async () => {
    const clock = new VirtualClock();
    const store = new HandStore(clock);
    const reply = store.get();
    expect(clock.pending).toBe(1);
    store.commands[0]?.resolve('v');
    expect(await reply).toBe('v');
    expect(clock.pending).toBe(0);
  });

  it('a command that does not answer within commandTimeout resolves undefined and degrades; its late reply changes nothing', async () => {
    const clock = new VirtualClock();
    const store = new HandStore(clock);
    const errors: unknown[] = [];
    store.on('degraded', (e) => errors.push(e.error));
    const reply = store.get();
    await clock.advance(50);
    expect(await reply).toBeUndefined();
    expect(store.degraded).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StoreTimeoutError);
    store.commands[0]?.resolve('late');
    await Promise.resolve();
    expect(store.degraded).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('sends nothing for retryAfter, then exactly one probe; its success restores, its failure degrades for another retryAfter', async () => {
    const clock = new VirtualClock();
    const store = new HandStore(clock);
    const seen: string[] = [];
    store.on('degraded', () => seen.push('degraded'));
    store.on('restored', () => seen.push('restored'));
    const first = store.get();
    store.commands[0]?.reject(new Error('ECONNRESET'));
    expect(await first).toBeUndefined();
    expect(store.get()).toBeUndefined();
    await clock.advance(999);
    expect(store.get()).toBeUndefined();
    await clock.advance(1);
    const probe = store.get();
    expect(probe).toBeInstanceOf(Promise);
    expect(store.get()).toBeUndefined(); // one probe at a time
    store.commands[1]?.reject(new Error('still down'));
    expect(await probe).toBeUndefined();
    expect(store.get()).toBeUndefined();
    await clock.advance(1_000);
    const second = store.get();
    store.commands[2]?.resolve(null);
    expect(await second).toBeNull();
    expect(store.degraded).toBe(false);
    expect(seen).toEqual(['degraded', 'restored']);
  });

  it('a listener that throws never reaches the command', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const clock = new VirtualClock();
    const store = new HandStore(clock);
    store.on('degraded', () => {
      throw new Error('listener');
    });
    const reply = store.get();
    store.commands[0]?.reject(new Error('x'));
    expect(await reply).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });
});
