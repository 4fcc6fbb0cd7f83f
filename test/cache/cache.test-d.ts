import { describe, expectTypeOf, it } from 'vitest';
import { cache, type CacheEvents, type CacheOptions } from '../../src/cache/index.js';
import { pipeline, type Policy, timeout } from '../../src/index.js';

describe('cache: types', () => {
  it('resolves with the function value type, alone and in a pipeline', () => {
    const c = cache({ ttl: 1_000 });
    expectTypeOf(c.execute(() => 42, { key: 'k', idempotent: true })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(pipeline(c, timeout(10)).execute(async () => 'a')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(c).toMatchTypeOf<Policy>();
    expectTypeOf(c.kind).toEqualTypeOf<'cache'>();
  });

  it('requires ttl and types the key function and events', () => {
    // @ts-expect-error ttl is required
    cache({});
    expectTypeOf<CacheOptions['key']>().toEqualTypeOf<
      ((ctx: import('../../src/index.js').Context) => string | undefined) | undefined
    >();
    const c = cache({ ttl: 1 });
    c.on('stale', (e) => {
      expectTypeOf(e.error).toBeUnknown();
      expectTypeOf(e.key).toEqualTypeOf<string | undefined>();
    });
    expectTypeOf<keyof CacheEvents>().toEqualTypeOf<'hit' | 'miss' | 'stale' | 'coalesced'>();
  });
});
