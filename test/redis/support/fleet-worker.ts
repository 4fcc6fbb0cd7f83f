// One instance of a service in its own process: offers calls at a fixed rate
// to a rate limit on a Redis store and reports when each admitted call got
// its answer. Bundled by fleet.ts and run with child_process.fork.
import { rateLimit, type RateLimitMode } from 'breakwater';
import { redisStore } from '../../../src/redis/index.js';
import { connect, type ClientName, type Topology } from './servers.js';

export interface RateRun {
  readonly kind: 'rate';
  readonly client: ClientName;
  readonly topology: Topology;
  readonly url: string | undefined;
  readonly prefix: string;
  readonly name: string;
  readonly mode: RateLimitMode;
  readonly limit: number;
  readonly burst: number;
  readonly lease: number | undefined;
  readonly perSecond: number;
  readonly durationMs: number;
}

export interface RateResult {
  /** Ms after startAt (Redis time) at which each token was granted: calls in strict mode, leased tokens in lease mode. */
  readonly granted: number[];
  /** Ms after startAt (Redis time) at which each take reached Redis, granted or not. */
  readonly arrivals: number[];
  /** Ms after startAt (this process's clock) at which each call was admitted. */
  readonly admitted: number[];
  readonly rejected: number;
  readonly errors: string[];
  readonly degraded: number;
  readonly offered: number;
}

/** Connects, says it is ready, and waits for the epoch ms at which every worker starts. */
async function ready(): Promise<number> {
  process.send?.({ ready: true });
  return new Promise((resolve) => process.once('message', (m: { startAt: number }) => resolve(m.startAt)));
}

/**
 * The client as the store sees it, but every reply to the take script passes
 * by `onTake` first: its third element is the Redis time of the decision, so
 * admissions are counted per second of Redis time, as the acceptance says.
 */
function tracing(client: object, onTake: (reply: unknown) => void): object {
  const watch = (p: Promise<unknown>, args: readonly unknown[]): Promise<unknown> =>
    String(args[0]).toUpperCase().startsWith('EVAL') ? p.then((r) => (onTake(r), r)) : p;
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === 'call' && typeof value === 'function') {
        return (command: string, args: readonly unknown[]) => watch(value.call(target, command, args), [command]);
      }
      if (prop === 'sendCommand' && typeof value === 'function') {
        return (...args: unknown[]) => {
          const raw = (Array.isArray(args[0]) ? args[0] : args[2]) as unknown[];
          return watch(value.apply(target, args), raw);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function rate(run: RateRun): Promise<RateResult> {
  const conn = await connect(run.client, run.topology, run.url);
  const admittedAt: number[] = [];
  const arrivals: number[] = [];
  let startAt = 0;
  const onTake = (reply: unknown): void => {
    if (!Array.isArray(reply)) return;
    const at = Number(reply[2]) - startAt;
    arrivals.push(at);
    for (let i = 0; i < Number(reply[0]); i++) admittedAt.push(at);
  };
  const store = redisStore({ client: tracing(conn.client, onTake), prefix: run.prefix, commandTimeout: 1_000 });
  let degraded = 0;
  store.on('degraded', () => degraded++);
  const policy = rateLimit({
    name: run.name,
    limit: run.limit,
    perMs: 1_000,
    burst: run.burst,
    store,
    mode: run.mode,
    lease: run.lease,
  });
  const errors: string[] = [];
  let rejected = 0;
  let sent = 0;
  let inFlight = 0;
  const admitted: number[] = [];
  const ok = (): void => {
    admitted.push(Date.now() - startAt);
  };
  const fail = (error: unknown): void => {
    if ((error as { name?: string }).name === 'RateLimitedError') rejected++;
    else errors.push(String(error));
  };
  const done = (): void => {
    inFlight--;
  };
  startAt = await ready();
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = Date.now() - startAt;
      if (elapsed >= run.durationMs) {
        resolve();
        return;
      }
      const due = Math.floor((elapsed * run.perSecond) / 1_000);
      while (sent < due && inFlight < 500) {
        sent++;
        inFlight++;
        policy.execute(ok).catch(fail).finally(done);
      }
      setTimeout(tick, 2);
    };
    tick();
  });
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  await conn.close();
  return { granted: admittedAt, arrivals, admitted, rejected, errors: errors.slice(0, 5), degraded, offered: sent };
}

process.once('message', (message: RateRun) => {
  rate(message).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) =>
      process.send?.(
        { granted: [], arrivals: [], admitted: [], rejected: 0, errors: [String(error)], degraded: 0, offered: 0 },
        () => process.exit(1),
      ),
  );
});
