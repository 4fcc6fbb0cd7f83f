import { fork, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cache } from '../../src/cache/index.js';
import { redisStore } from '../../src/redis/index.js';
import { bundleWorker } from '../redis/support/fleet.js';
import { connect, type Connected, missing, OwnRedis, REDIS_URL, reportSkip } from '../redis/support/servers.js';

const read = (key: string) => ({ key, idempotent: true }) as const;

interface Reply {
  readonly got?: { value: string; pid: number };
  readonly ran?: boolean;
  readonly error?: string;
}

/** A worker process with its own cache on the shared Redis store. */
class Instance {
  private readonly child: ChildProcess;
  private readonly replies: ((reply: Reply) => void)[] = [];

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (m: Reply & { ready?: boolean }) => {
      if (m.ready !== true) this.replies.shift()?.(m);
    });
  }

  static async start(file: string, url: string, prefix: string): Promise<Instance> {
    const child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (m: { ready?: boolean }) => m.ready === true && resolve());
      child.once('exit', (code) => reject(new Error(`cache worker exited with ${code}`)));
    });
    child.send({ url, prefix });
    await ready;
    return new Instance(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  call(key: string, value: string): Promise<Reply> {
    return new Promise((resolve) => {
      this.replies.push(resolve);
      this.child.send({ key, value });
    });
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

const shared = missing('server');
reportSkip(shared, 'cache on a Redis store across processes');

describe.skipIf(shared !== undefined)('cache on a Redis store: two processes', () => {
  let file: string;
  let a: Instance;
  let b: Instance;
  const prefix = `cache-fleet-${process.pid}-${Date.now()}:`;

  beforeAll(async () => {
    file = await bundleWorker('test/cache/support/cache-worker.ts');
    const url = REDIS_URL ?? '';
    [a, b] = await Promise.all([Instance.start(file, url, prefix), Instance.start(file, url, prefix)]);
  }, 30_000);
  afterAll(() => {
    a?.stop();
    b?.stop();
  });

  it('what one process ran, the other reads without running its function', async () => {
    const first = await a.call('user:1', 'from a');
    expect(first).toEqual({ got: { value: 'from a', pid: a.pid }, ran: true });
    const second = await b.call('user:1', 'from b');
    expect(second).toEqual({ got: { value: 'from a', pid: a.pid }, ran: false });
    // And the other way round, on another key.
    expect((await b.call('user:2', 'from b')).ran).toBe(true);
    expect(await a.call('user:2', 'from a')).toEqual({ got: { value: 'from b', pid: b.pid }, ran: false });
  });

  it('a key holding the layout characters is its own entry', async () => {
    expect((await a.call('{x}:y', 'braces')).ran).toBe(true);
    expect((await b.call('{x}', 'other')).ran).toBe(true);
    expect(await b.call('{x}:y', 'b')).toMatchObject({ got: { value: 'braces' }, ran: false });
  });
});

const binary = missing('binary');
reportSkip(binary, 'cache through a Redis outage (it starts and kills its own redis-server)');

describe.skipIf(binary !== undefined)('cache on a Redis store: the server goes away', () => {
  let redis: OwnRedis;
  let conn: Connected;

  beforeAll(async () => {
    redis = await OwnRedis.start();
    conn = await connect('ioredis', 'single', redis.url);
  }, 30_000);
  afterAll(async () => {
    await conn?.close();
    await redis?.stop();
  });

  it('degrades to local caching with no failed call, and no wait once degraded', async () => {
    const store = redisStore({
      client: conn.client,
      prefix: `cache-outage-${process.pid}:`,
      commandTimeout: 50,
      retryAfter: 60_000,
    });
    const one = cache({ ttl: 60_000, staleIfError: 60_000, name: 'users', store });
    const two = cache({ ttl: 60_000, name: 'users', store });
    let runs = 0;
    expect(await one.execute(() => `v${++runs}`, read('k'))).toBe('v1');
    await new Promise((r) => setTimeout(r, 20));
    expect(await two.execute(() => `v${++runs}`, read('k'))).toBe('v1'); // shared while Redis is up

    await redis.kill();
    // Every call still answers: local hits, and local misses that run the function.
    expect(await one.execute(() => `v${++runs}`, read('k'))).toBe('v1');
    expect(await one.execute(() => `v${++runs}`, read('fresh'))).toBe('v2'); // the read times out: the function runs
    expect(store.degraded).toBe(true);
    const started = performance.now();
    expect(await two.execute(() => `v${++runs}`, read('other'))).toBe('v3');
    expect(await two.execute(() => `v${++runs}`, read('other'))).toBe('v3'); // cached locally
    expect(performance.now() - started).toBeLessThan(25); // no round trip, no commandTimeout
    expect(await one.execute(() => Promise.reject(new Error('down')), read('k'))).toBe('v1');
  });
});
