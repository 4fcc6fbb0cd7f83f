// The PostgreSQL server the tests of breakwater/pg run against. Locally they
// are skipped when PGURL is unset; in CI (process.env.CI) they must run, so a
// missing PGURL fails them instead.
import { connect, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { describe } from 'vitest';

export const PGURL = process.env.PGURL;
const CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

const HOW =
  'start a throwaway server with\n  export PGURL="$(scripts/start-postgres.sh)"\nthen run: npx vitest run test/pg; stop it with scripts/stop-postgres.sh --clean';

/** `describe` for tests that need the server: skipped locally without PGURL, failing in CI. */
export const describeWithServer = describe.skipIf(PGURL === undefined && !CI);

export function warnIfSkipped(file: string): void {
  if (PGURL === undefined && !CI) console.warn(`${file}: skipped, PGURL is not set. To run it, ${HOW}`);
}

/** The server's URL; throws in CI when it is missing. */
export function serverUrl(): string {
  if (PGURL === undefined)
    throw new Error(`PGURL is not set: CI must start PostgreSQL (.ci/run does). To run locally, ${HOW}`);
  return PGURL;
}

/** A pg.Pool on the test server (or on `url`), which never crashes the process on an idle client's error. */
export function makePool(config: pg.PoolConfig = {}, url = serverUrl()): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, ...config });
  pool.on('error', () => undefined);
  return pool;
}

/** A direct client for looking at the server (pg_stat_activity, setup). */
export async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: serverUrl() });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** A URL of the test server with another host and port (a proxy in front of it). */
export function urlVia(port: number): string {
  const url = new URL(serverUrl());
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.href;
}

/** A TCP proxy in front of the server that can cut the network: `stop()` drops every connection and refuses new ones. */
export interface Proxy {
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startProxy(): Promise<Proxy> {
  const target = new URL(serverUrl());
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const s = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    const address = s.address();
    if (address !== null && typeof address === 'object') port = address.port;
    server = s;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      const s = server;
      server = undefined;
      if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    start: listen,
  };
}

/** Milliseconds since `t0`. */
export function since(t0: number): number {
  return performance.now() - t0;
}
