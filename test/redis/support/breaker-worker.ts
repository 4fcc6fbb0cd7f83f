// One instance of a service in its own process: calls a dependency through a
// circuit breaker shared on a Redis store, and reports its state changes and
// every request that reached the dependency. Bundled and forked by fleet.ts.
import { circuitBreaker, type CircuitBreakerOptions } from 'breakwater';
import { redisStore } from '../../../src/redis/index.js';
import { connect, type ClientName, type Topology } from './servers.js';

export interface BreakerRun {
  readonly client: ClientName;
  readonly topology: Topology;
  readonly url: string | undefined;
  readonly prefix: string;
  readonly options: CircuitBreakerOptions;
  /** The dependency fails until this many ms after the start (1e12: always; Infinity does not survive IPC), then succeeds. */
  readonly failUntil: number;
  readonly callEveryMs: number;
  readonly durationMs: number;
}

export interface BreakerResult {
  readonly changes: { at: number; from: string; to: string; reason: string }[];
  /** Requests that reached the dependency: when, and whether they failed. */
  readonly requests: { at: number; failed: boolean }[];
  readonly errors: string[];
}

async function ready(): Promise<number> {
  process.send?.({ ready: true });
  return new Promise((resolve) => process.once('message', (m: { startAt: number }) => resolve(m.startAt)));
}

async function main(run: BreakerRun): Promise<BreakerResult> {
  const conn = await connect(run.client, run.topology, run.url);
  const store = redisStore({ client: conn.client, prefix: run.prefix, commandTimeout: 1_000 });
  const breaker = circuitBreaker({ name: 'payments', ...run.options, store });
  const changes: BreakerResult['changes'] = [];
  const requests: BreakerResult['requests'] = [];
  const errors: string[] = [];
  const startAt = await ready();
  breaker.on('stateChange', (e) => changes.push({ at: Date.now() - startAt, from: e.from, to: e.to, reason: e.reason }));
  const dependency = (): Promise<string> => {
    const at = Date.now() - startAt;
    const failed = at < run.failUntil;
    requests.push({ at, failed });
    return failed ? Promise.reject(new Error('dependency down')) : Promise.resolve('ok');
  };
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  while (Date.now() - startAt < run.durationMs) {
    await breaker.execute(dependency).catch((e: unknown) => {
      const name = (e as { name?: string }).name;
      if (name !== 'BrokenCircuitError' && (e as Error).message !== 'dependency down') errors.push(String(e));
    });
    void breaker.state; // notice openElapsed between calls, as a health check would
    await new Promise((r) => setTimeout(r, run.callEveryMs));
  }
  await conn.close();
  return { changes, requests, errors: errors.slice(0, 5) };
}

process.once('message', (message: BreakerRun) => {
  main(message).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => process.send?.({ changes: [], requests: [], errors: [String(error)] }, () => process.exit(1)),
  );
});
