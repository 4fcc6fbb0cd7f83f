// One instance of a service in its own process: calls dependencies through
// circuit breakers shared on a Redis store (one breaker per scenario, all at
// once), and reports their state changes and every request that reached a
// dependency. Bundled and forked by fleet.ts.
import { circuitBreaker, type CircuitBreakerOptions } from 'breakwater';
import { redisStore } from '../../../src/redis/index.js';
import { connect, type ClientName, type Topology } from './servers.js';

export interface BreakerScenario {
  /** The breaker's name: one per scenario, shared by every instance. */
  readonly name: string;
  readonly options: CircuitBreakerOptions;
  /** The dependency fails until this many ms after the start (1e12: always; Infinity does not survive IPC), then succeeds. */
  readonly failUntil: number;
  readonly callEveryMs: number;
}

export interface BreakerRun {
  readonly client: ClientName;
  readonly topology: Topology;
  readonly url: string | undefined;
  readonly prefix: string;
  readonly scenarios: readonly BreakerScenario[];
  readonly durationMs: number;
}

export interface ScenarioResult {
  readonly changes: { at: number; from: string; to: string; reason: string }[];
  /** Requests that reached the dependency: when, and whether they failed. */
  readonly requests: { at: number; failed: boolean }[];
}

export interface BreakerResult {
  readonly scenarios: ScenarioResult[];
  readonly errors: string[];
}

async function ready(): Promise<number> {
  process.send?.({ ready: true });
  return new Promise((resolve) => process.once('message', (m: { startAt: number }) => resolve(m.startAt)));
}

async function scenario(
  s: BreakerScenario,
  run: BreakerRun,
  store: ReturnType<typeof redisStore>,
  startAt: number,
  errors: string[],
): Promise<ScenarioResult> {
  const breaker = circuitBreaker({ ...s.options, name: s.name, store });
  const changes: ScenarioResult['changes'] = [];
  const requests: ScenarioResult['requests'] = [];
  breaker.on('stateChange', (e) =>
    changes.push({ at: Date.now() - startAt, from: e.from, to: e.to, reason: e.reason }),
  );
  const dependency = (): Promise<string> => {
    const at = Date.now() - startAt;
    const failed = at < s.failUntil;
    requests.push({ at, failed });
    return failed ? Promise.reject(new Error('dependency down')) : Promise.resolve('ok');
  };
  while (Date.now() - startAt < run.durationMs) {
    await breaker.execute(dependency).catch((e: unknown) => {
      const name = (e as { name?: string }).name;
      if (name !== 'BrokenCircuitError' && (e as Error).message !== 'dependency down') errors.push(String(e));
    });
    void breaker.state; // notice openElapsed between calls, as a health check would
    await new Promise((r) => setTimeout(r, s.callEveryMs));
  }
  return { changes, requests };
}

async function main(run: BreakerRun): Promise<BreakerResult> {
  const conn = await connect(run.client, run.topology, run.url);
  const store = redisStore({ client: conn.client, prefix: run.prefix, commandTimeout: 1_000 });
  const errors: string[] = [];
  const startAt = await ready();
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  const scenarios = await Promise.all(run.scenarios.map((s) => scenario(s, run, store, startAt, errors)));
  await conn.close();
  return { scenarios, errors: errors.slice(0, 5) };
}

process.once('message', (message: BreakerRun) => {
  main(message).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => process.send?.({ scenarios: [], errors: [String(error)] }, () => process.exit(1)),
  );
});
