import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rateLimit, RateLimitedError } from 'breakwater';
import { redisStore } from '../../src/redis/index.js';
import { cli, connect, type ClientName, type Connected, missing, OwnRedis, reportSkip } from './support/servers.js';

const reason = missing('binary');
reportSkip(reason, 'fault tests (they start and kill their own redis-server)');

const COMMAND_TIMEOUT = 50;
const RETRY_AFTER = 400;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Counts what the store sends through the client. */
function counting(client: object): { client: object; sent: () => number } {
  let sent = 0;
  const proxy = new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if ((prop === 'call' || prop === 'sendCommand') && typeof value === 'function') {
        return (...args: unknown[]) => {
          sent++;
          return value.apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { client: proxy, sent: () => sent };
}

/** Fails the test instead of hanging when a call never settles. */
function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`a call did not settle within ${ms} ms`)))]);
}

function onReady(client: object): Promise<void> {
  return new Promise((resolve) => (client as { once: (e: string, f: () => void) => void }).once('ready', resolve));
}

describe.skipIf(reason !== undefined).each<ClientName>(['ioredis', 'node-redis'])(
  'kill -9 of the Redis server mid-run (%s)',
  (clientName) => {
    let redis: OwnRedis;
    let conn: Connected;
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);

    beforeAll(async () => {
      redis = await OwnRedis.start();
      conn = await connect(clientName, 'single', redis.url);
      process.on('unhandledRejection', onUnhandled);
    });
    afterAll(async () => {
      process.off('unhandledRejection', onUnhandled);
      await conn?.close();
      await redis?.stop();
    });
    afterEach(() => expect(unhandled).toEqual([]));

    it('degrades within 2 × commandTimeout, decides locally with one probe per retryAfter, and returns after the restart', async () => {
      const { client, sent } = counting(conn.client);
      const prefix = `fault-${clientName}-${process.pid}:`;
      const store = redisStore({ client, prefix, commandTimeout: COMMAND_TIMEOUT, retryAfter: RETRY_AFTER });
      const events: string[] = [];
      store.on('degraded', () => events.push('degraded'));
      store.on('restored', () => events.push('restored'));
      const policy = rateLimit({ name: 'orders', limit: 5, perMs: 1_000, store });
      const call = (): Promise<boolean> =>
        bounded(
          policy.execute(() => true),
          1_000,
        ).catch((e: unknown) => {
          if (e instanceof RateLimitedError) return false;
          throw e;
        });

      expect(await call()).toBe(true);
      expect(store.degraded).toBe(false);

      await redis.kill();
      const started = performance.now();
      expect(await call()).toBe(true); // decided by a fresh local bucket
      expect(performance.now() - started).toBeLessThanOrEqual(2 * COMMAND_TIMEOUT);
      expect(store.degraded).toBe(true);
      expect(events).toEqual(['degraded']);

      // The next calls send nothing and use the local bucket (5 per second: 4 more, then refused).
      const before = sent();
      const local: boolean[] = [];
      for (let i = 0; i < 6; i++) local.push(await call());
      expect(local).toEqual([true, true, true, true, false, false]);
      expect(sent()).toBe(before);

      // One probe per retryAfter while the server is down.
      const outageStart = performance.now();
      while (performance.now() - outageStart < 2.5 * RETRY_AFTER) {
        await call();
        await sleep(10);
      }
      const probes = sent() - before;
      expect(probes).toBeGreaterThanOrEqual(2);
      expect(probes).toBeLessThanOrEqual(3);
      expect(events).toEqual(['degraded']);

      // Restart: traffic returns within retryAfter of the client reporting ready.
      const ready = onReady(conn.client);
      await redis.up();
      await bounded(ready, 10_000);
      const readyAt = performance.now();
      while (store.degraded && performance.now() - readyAt < 3 * RETRY_AFTER) {
        await call();
        await sleep(5);
      }
      expect(store.degraded).toBe(false);
      expect(performance.now() - readyAt).toBeLessThanOrEqual(RETRY_AFTER + 50);
      expect(events).toEqual(['degraded', 'restored']);
      const back = sent();
      await call();
      expect(sent()).toBe(back + 1);
    }, 20_000);

    it('a server that answers nothing degrades the store after commandTimeout; its timer goes with the command', async () => {
      const store = redisStore({
        client: conn.client,
        prefix: `hang-${clientName}:`,
        commandTimeout: COMMAND_TIMEOUT,
        retryAfter: 60_000,
      });
      const policy = rateLimit({ name: 'orders', limit: 5, perMs: 1_000, store });
      expect(await policy.execute(() => 'ok')).toBe('ok');
      redis.pause(true);
      try {
        const started = performance.now();
        expect(
          await bounded(
            policy.execute(() => 'local'),
            1_000,
          ),
        ).toBe('local');
        expect(performance.now() - started).toBeLessThanOrEqual(2 * COMMAND_TIMEOUT);
        expect(store.degraded).toBe(true);
      } finally {
        redis.pause(false);
      }
    });

    it('leaves nothing behind and sends no KEYS or SCAN (DBSIZE, INFO commandstats)', async () => {
      const store = redisStore({ client: conn.client, prefix: `keys-${clientName}:`, commandTimeout: 1_000 });
      const strict = rateLimit({ name: 'a', limit: 100, perMs: 1_000, burst: 5, store });
      const lease = rateLimit({ name: 'b', limit: 100, perMs: 1_000, burst: 5, store, mode: 'lease' });
      for (let i = 0; i < 50; i++) {
        await strict.execute(() => 1, { key: `tenant-${i % 7}` }).catch(() => {});
        await lease.execute(() => 1, { key: `tenant-${i % 7}` }).catch(() => {});
      }
      // Every bucket is full again (and its key expired) within burst / limit: 50 ms here, 1 s for the
      // first test's; Redis drops expired keys within about 100 ms of their TTL.
      const deadline = performance.now() + 3_000;
      let size = cli(redis.url, 'DBSIZE').trim();
      while (size !== '0' && performance.now() < deadline) {
        await sleep(100);
        size = cli(redis.url, 'DBSIZE').trim();
      }
      expect(size).toBe('0');
      const stats = cli(redis.url, 'INFO', 'commandstats');
      expect(stats).toMatch(/cmdstat_evalsha:/);
      expect(stats).not.toMatch(/cmdstat_(keys|scan):/);
    });
  },
);
