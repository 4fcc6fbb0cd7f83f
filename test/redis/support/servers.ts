import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';

/** The servers the tests reach: from scripts/start-redis.sh and scripts/start-redis-cluster.sh. */
export const REDIS_URL = process.env.REDIS_URL;
export const REDIS_CLUSTER_NODES = process.env.REDIS_CLUSTER_NODES;
export const HAS_REDIS_BINARY = spawnSync('redis-server', ['--version']).status === 0;

/**
 * Why a suite cannot run here, or undefined when it can. In CI nothing is
 * skipped: the suite runs and fails on the missing server instead.
 */
export function missing(what: 'server' | 'cluster' | 'binary'): string | undefined {
  if (process.env.CI) return undefined;
  if (what === 'server' && REDIS_URL === undefined) {
    return 'no REDIS_URL: start one with `export REDIS_URL="$(scripts/start-redis.sh)"`';
  }
  if (what === 'cluster' && REDIS_CLUSTER_NODES === undefined) {
    return 'no REDIS_CLUSTER_NODES: start one with `export REDIS_CLUSTER_NODES="$(scripts/start-redis-cluster.sh)"`';
  }
  if (what === 'binary' && !HAS_REDIS_BINARY)
    return 'no redis-server binary (install redis-server; see scripts/start-redis.sh)';
  return undefined;
}

/** Says once why a suite is skipped. */
export function reportSkip(reason: string | undefined, suite: string): void {
  if (reason !== undefined) console.warn(`[skipped] ${suite}: ${reason}`);
}

export type ClientName = 'ioredis' | 'node-redis';
export type Topology = 'single' | 'cluster';

export interface Connected {
  readonly client: object;
  close(): Promise<void>;
}

function nodes(): { host: string; port: number }[] {
  return (REDIS_CLUSTER_NODES ?? '').split(',').map((n) => {
    const [host, port] = n.split(':');
    return { host: host ?? '127.0.0.1', port: Number(port) };
  });
}

/** A connected client with its offline queue off, as the store requires. */
export async function connect(name: ClientName, topology: Topology, url = REDIS_URL): Promise<Connected> {
  // In CI a missing server is a failure, never a default port.
  if (topology === 'single' && url === undefined)
    throw new Error('REDIS_URL is not set: run scripts/start-redis.sh (.ci/run does)');
  if (topology === 'cluster' && REDIS_CLUSTER_NODES === undefined) {
    throw new Error('REDIS_CLUSTER_NODES is not set: run scripts/start-redis-cluster.sh (.ci/run does)');
  }
  if (name === 'ioredis') {
    if (topology === 'cluster') {
      const c = new Cluster(nodes(), { enableOfflineQueue: false, redisOptions: {} });
      c.on('error', () => {});
      await new Promise<void>((resolve, reject) => {
        c.once('ready', resolve);
        c.once('error', reject);
      });
      return { client: c, close: async () => void c.disconnect() };
    }
    const c = new Redis(url ?? '', { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    c.on('error', () => {});
    await c.connect();
    return { client: c, close: async () => void c.disconnect() };
  }
  if (topology === 'cluster') {
    const c = createCluster({
      rootNodes: nodes().map((n) => ({ url: `redis://${n.host}:${n.port}` })),
      defaults: { disableOfflineQueue: true },
    });
    c.on('error', () => {});
    await c.connect();
    return { client: c, close: async () => void (await c.close().catch(() => {})) };
  }
  const c = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy: () => 50 } });
  c.on('error', () => {});
  await c.connect();
  return { client: c, close: async () => void c.destroy() };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A Redis of a test's own (own port, throwaway directory), for tests that kill it. */
export class OwnRedis {
  readonly port: number;
  private readonly dir: string;
  private proc: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), 'bw-redis-fault-'));
  }

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const args = [
      '--bind',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    this.proc = spawn('redis-server', args, { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (
        spawnSync('redis-cli', ['-p', String(this.port), 'ping'])
          .stdout?.toString()
          .includes('PONG')
      )
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on ${this.port} did not start`);
  }

  /** SIGSTOP / SIGCONT: a server that holds its connections and answers nothing. */
  pause(paused: boolean): void {
    this.proc?.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  /** kill -9: no goodbye to the clients. */
  kill(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p === undefined || p.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs redis-cli against a server and returns its output. */
export function cli(url: string, ...args: string[]): string {
  const { port, hostname } = new URL(url);
  return spawnSync('redis-cli', ['-h', hostname, '-p', port, ...args]).stdout.toString();
}
