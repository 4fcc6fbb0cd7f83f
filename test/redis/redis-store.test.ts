import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimit, RateLimitedError, type Grant } from 'breakwater';
import { escapeKeyPart, KeyLayout, redisStore, RedisStore } from '../../src/redis/index.js';
import { sha1 } from '../../src/redis/sha1.js';
import { TAKE } from '../../src/redis/scripts.js';
import {
  cli,
  connect,
  type ClientName,
  type Connected,
  missing,
  REDIS_URL,
  reportSkip,
  type Topology,
} from './support/servers.js';

const rule = { limit: 10, perMs: 1_000, burst: 3 };
let run = 0;
const unique = (): string => `t${process.pid}-${Date.now()}-${run++}:`;

describe('redisStore: options and client shapes', () => {
  const ioredisLike = (options: object, isCluster = false): object => ({
    call: () => Promise.resolve(),
    options,
    isCluster,
  });
  const nodeRedisLike = (options: object): object => ({ sendCommand: () => Promise.resolve(), options });
  const nodeClusterLike = (defaults: object): object => ({
    sendCommand: () => Promise.resolve(),
    getSlotRandomNode: () => ({}),
    _options: { defaults },
  });

  it('tells the four clients apart by shape', () => {
    expect(redisStore({ client: ioredisLike({ enableOfflineQueue: false }) }).client).toBe('ioredis');
    expect(redisStore({ client: ioredisLike({ enableOfflineQueue: false }, true) }).client).toBe('ioredis-cluster');
    expect(redisStore({ client: nodeRedisLike({ disableOfflineQueue: true }) }).client).toBe('node-redis');
    expect(redisStore({ client: nodeClusterLike({ disableOfflineQueue: true }) }).client).toBe('node-redis-cluster');
  });

  it.each([
    [
      'an offline queue on (ioredis default)',
      { client: ioredisLike({}) },
      /offline queue off .* ioredis client with it on; use new Redis\(\{ enableOfflineQueue: false \}\)/,
    ],
    [
      'an offline queue on (ioredis cluster)',
      { client: ioredisLike({ enableOfflineQueue: true }, true) },
      /ioredis-cluster client with it on/,
    ],
    [
      'an offline queue on (node-redis default)',
      { client: nodeRedisLike({}) },
      /node-redis client with it on; use createClient\(\{ disableOfflineQueue: true \}\)/,
    ],
    [
      'an offline queue on (node-redis cluster)',
      { client: nodeClusterLike({}) },
      /node-redis-cluster client with it on/,
    ],
    ['a missing client', {}, /redisStore: client must be a node-redis or ioredis client or cluster, got undefined/],
    ['an object that is no client', { client: { get: () => 1 } }, /got an object that is neither/],
    [
      'a zero commandTimeout',
      { client: ioredisLike({ enableOfflineQueue: false }), commandTimeout: 0 },
      /redisStore: commandTimeout must be a positive finite number, got 0/,
    ],
    [
      'a negative retryAfter',
      { client: ioredisLike({ enableOfflineQueue: false }), retryAfter: -1 },
      /redisStore: retryAfter must be a positive finite number, got -1/,
    ],
    [
      'a prefix with a brace',
      { client: ioredisLike({ enableOfflineQueue: false }), prefix: 'a{' },
      /redisStore: prefix must be a string without \{ or \}, got "a\{"/,
    ],
    [
      'an unknown option',
      { client: ioredisLike({ enableOfflineQueue: false }), timeout: 5 },
      /redisStore: unknown option timeout/,
    ],
  ])('is a TypeError or RangeError for %s', (_what, options, message) => {
    expect(() => redisStore(options as never)).toThrow(message);
  });

  it('defaults: prefix bw:, commandTimeout 50, retryAfter 1,000, name redis', () => {
    const s = redisStore({ client: ioredisLike({ enableOfflineQueue: false }) });
    expect([s.prefix, s.commandTimeout, s.retryAfter, s.name, s.kind]).toEqual(['bw:', 50, 1_000, 'redis', 'store']);
  });
});

describe('redisStore: key layout', () => {
  it('hash-tags every key as bw:v1:{name:key}:kind and escapes what could break the tag or collide', () => {
    const keys = new KeyLayout('bw:');
    expect(keys.bucket('api', 'tenant-1')).toBe('bw:v1:{api:tenant-1}:rl');
    expect(keys.bucket('api', undefined)).toBe('bw:v1:{api}:rl');
    expect(keys.bucket('a:b', undefined)).toBe('bw:v1:{a%3Ab}:rl');
    expect(keys.bucket('a}', '{x')).toBe('bw:v1:{a%7D:%7Bx}:rl');
    expect(keys.breaker('cb')).toBe('bw:v1:{cb}:cb');
    expect(keys.value('k')).toBe('bw:v1:{k}:v');
    expect(escapeKeyPart('%7B')).toBe('%257B');
    expect(escapeKeyPart('\uD800x')).toBe('%uD800x');
    expect(escapeKeyPart('😀')).toBe('😀');
    const names: [string, string | undefined][] = [
      ['a', 'b'],
      ['a:b', undefined],
      ['a', 'b:'],
      ['a:', 'b'],
      ['a', ''],
      ['a', undefined],
      ['a%3Ab', undefined],
      ['{a}', 'b'],
    ];
    const built = names.map(([n, k]) => keys.bucket(n, k));
    expect(new Set(built).size).toBe(names.length);
    for (const k of built) expect(k.slice(k.indexOf('{') + 1, k.indexOf('}'))).not.toMatch(/[{}]/);
  });

  it('names scripts by their SHA-1 for EVALSHA', () => {
    expect(sha1('abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(sha1(TAKE)).toMatch(/^[0-9a-f]{40}$/);
  });
});

const serverReason = missing('server');
const clusterReason = missing('cluster');
reportSkip(serverReason, 'redisStore against a real Redis');
reportSkip(clusterReason, 'redisStore against a real Redis Cluster');

const setups: [ClientName, Topology, string | undefined][] = [
  ['ioredis', 'single', serverReason],
  ['node-redis', 'single', serverReason],
  ['ioredis', 'cluster', clusterReason],
  ['node-redis', 'cluster', clusterReason],
];

for (const [clientName, topology, reason] of setups) {
  describe.skipIf(reason !== undefined)(`redisStore on ${clientName}, ${topology}`, () => {
    let conn: Connected;
    beforeAll(async () => {
      conn = await connect(clientName, topology);
    });
    afterAll(async () => {
      await conn?.close();
    });

    it('runs GCRA in Redis: burst, then one token per perMs / limit, retryAfter to the next token', async () => {
      const store = redisStore({ client: conn.client, prefix: unique(), commandTimeout: 2_000 });
      const grants: Grant[] = [];
      for (let i = 0; i < 4; i++) grants.push((await store.take('api', 'k', rule, 1)) as Grant);
      expect(grants.map((g) => g.granted)).toEqual([1, 1, 1, 0]);
      expect(grants[3]?.retryAfter).toBeGreaterThan(50);
      expect(grants[3]?.retryAfter).toBeLessThanOrEqual(100);
      expect(await store.take('api', 'k', rule, 5)).toMatchObject({ granted: 0 });
      expect(await store.take('api', 'other', rule, 5)).toMatchObject({ granted: 3 });
      expect(store.degraded).toBe(false);
    });

    it('a rate limit on the store admits burst calls then rejects with retryAfter', async () => {
      const store = redisStore({ client: conn.client, prefix: unique(), commandTimeout: 2_000 });
      const r = rateLimit({ name: 'api{1}:x', limit: 5, perMs: 1_000, burst: 2, store });
      const outcomes = await Promise.all([1, 2, 3].map(() => r.execute(() => 'ok').catch((e: unknown) => e)));
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(2);
      const rejected = outcomes.find((o) => o instanceof RateLimitedError) as RateLimitedError;
      expect(rejected.retryAfter).toBeGreaterThan(100);
      expect(rejected.retryAfter).toBeLessThanOrEqual(200);
    });

    it('get/set with a TTL, and the breaker and probe scripts', async () => {
      const store = redisStore({ client: conn.client, prefix: unique(), commandTimeout: 2_000 });
      expect(await store.get('k{')).toBeNull();
      expect(await store.set('k{', 'v', 60_000)).toBe(true);
      expect(await store.get('k{')).toBe('v');
      expect(await store.probe('cb', 'h1', 5_000, 1, 0)).toBe(true);
      expect(await store.probe('cb', 'h2', 5_000, 1, 0)).toBe(false);
      expect(await store.unprobe('cb', 'h1')).toBe(true);
      expect(await store.probe('cb', 'h2', 5_000, 1, 0)).toBe(true);
      const base = { windowMs: 10_000, openWithinMs: 5_000 };
      await store.breaker('cb', { ...base, instance: 'a', counts: { calls: 4, failures: 3, slowCalls: 1 } });
      const view = await store.breaker('cb', {
        ...base,
        instance: 'b',
        opened: 5_000,
        counts: { calls: 2, failures: 2, slowCalls: 0 },
      });
      expect(view).toMatchObject({ opens: 1, closedAgo: Infinity, counts: { calls: 6, failures: 5, slowCalls: 1 } });
      expect(view?.openLeft).toBeGreaterThan(4_000);
      const closed = await store.breaker('cb', { ...base, instance: 'a', closed: true });
      expect(closed).toMatchObject({ opens: 0, openLeft: 0, counts: { calls: 0, failures: 0, slowCalls: 0 } });
      expect(closed?.closedAgo).toBeLessThan(100);
    });

    it('a key of the wrong type degrades the store like an error; the probe after retryAfter restores it', async () => {
      const prefix = unique();
      const store = redisStore({ client: conn.client, prefix, commandTimeout: 2_000, retryAfter: 50 });
      const events: string[] = [];
      store.on('degraded', () => events.push('degraded'));
      store.on('restored', () => events.push('restored'));
      const key = new KeyLayout(prefix).bucket('api', undefined);
      expect(await store.set('x', 'y', 1_000)).toBe(true);
      // Make the bucket's key a hash (through the breaker script on a look-alike store is not possible: write it raw).
      const raw = redisStore({ client: conn.client, prefix, commandTimeout: 2_000 }) as RedisStore;
      await (raw as unknown as { sendRaw: (k: string, a: string[]) => Promise<unknown> }).sendRaw(key, [
        'HSET',
        key,
        'f',
        '1',
      ]);
      await (raw as unknown as { sendRaw: (k: string, a: string[]) => Promise<unknown> }).sendRaw(key, [
        'PEXPIRE',
        key,
        '5000',
      ]);
      expect(await store.take('api', undefined, rule, 1)).toBeUndefined();
      expect(store.degraded).toBe(true);
      expect(store.take('api', undefined, rule, 1)).toBeUndefined(); // sends nothing
      await new Promise((r) => setTimeout(r, 60));
      expect(await store.take('api', 'fine', rule, 1)).toMatchObject({ granted: 1 });
      expect(store.degraded).toBe(false);
      expect(events).toEqual(['degraded', 'restored']);
    });
  });
}

describe.skipIf(serverReason !== undefined)('redisStore: NOSCRIPT, TTLs and commands on one server', () => {
  let conn: Connected;
  beforeAll(async () => {
    conn = await connect('ioredis', 'single');
  });
  afterAll(async () => {
    await conn?.close();
  });

  it('reloads a script on NOSCRIPT without degrading', async () => {
    const store = redisStore({ client: conn.client, prefix: unique(), commandTimeout: 2_000 });
    expect(await store.take('api', undefined, rule, 1)).toMatchObject({ granted: 1 });
    cli(REDIS_URL ?? '', 'SCRIPT', 'FLUSH');
    expect(await store.take('api', undefined, rule, 1)).toMatchObject({ granted: 1 });
    expect(store.degraded).toBe(false);
  });

  it('every key it writes has a TTL, and it never sends KEYS or SCAN', async () => {
    const prefix = unique();
    const store = redisStore({ client: conn.client, prefix, commandTimeout: 2_000 });
    const before = cli(REDIS_URL ?? '', 'INFO', 'commandstats');
    const slow = { limit: 1, perMs: 60_000, burst: 2 };
    for (let i = 0; i < 20; i++) await store.take('api', `k${i}`, slow, 2);
    await store.set('v', 'x', 10_000);
    await store.breaker('cb', {
      instance: 'a',
      opened: 1_000,
      windowMs: 1_000,
      openWithinMs: 1_000,
      counts: { calls: 1, failures: 1, slowCalls: 0 },
    });
    await store.probe('cb', 'h', 1_000, 1, 0);
    const keys = cli(REDIS_URL ?? '', '--scan', '--pattern', `${prefix}*`)
      .trim()
      .split('\n')
      .filter(Boolean);
    expect(keys.length).toBe(22);
    for (const k of keys) expect(Number(cli(REDIS_URL ?? '', 'PTTL', k))).toBeGreaterThan(0);
    const after = cli(REDIS_URL ?? '', 'INFO', 'commandstats');
    const calls = (text: string, cmd: string): number =>
      Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(text)?.[1] ?? 0);
    // The scan above is redis-cli's own; the store's commands are EVALSHA, EVAL, GET and SET.
    expect(calls(after, 'keys')).toBe(calls(before, 'keys'));
    expect(calls(after, 'evalsha')).toBeGreaterThan(calls(before, 'evalsha'));
  });
});
