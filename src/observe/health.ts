import type { Policy } from '../core/policy.js';
import type { SharedStore } from '../core/store/protocol.js';
import { describe, integerAtLeast } from '../core/validate.js';
import type { BreakerStatsHealth, HealthOptions, HealthReport, HealthStatus, PolicyHealth } from './health-report.js';
import { checkOptionKeys } from './option-keys.js';
import { asObserved, type ObservedPolicy, poolsOf, storeOf, type Visitor, walk } from './walk.js';

const HEALTH = 'health';

/** The default `limit`: pools of one keyed policy listed in a report. */
export const DEFAULT_HEALTH_LIMIT = 100;

const OPTION_KEYS: readonly string[] = ['limit'];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Entry = Mutable<PolicyHealth>;
/** Any property a kind's facts may read; duck-typed, so each reader checks the type. */
type Readable = ObservedPolicy & Readonly<Record<string, unknown>>;

const RANK: Readonly<Record<HealthStatus, number>> = { ok: 0, degraded: 1, down: 2 };

function worse(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[b] > RANK[a] ? b : a;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** A limit for JSON: `null` stands for no limit (`Infinity` has no JSON form). */
function bound(value: unknown): number | null | undefined {
  if (typeof value !== 'number') return undefined;
  return value === Infinity ? null : value;
}

/** Fills in what `policy` of this kind says about itself; returns its own status. */
type Facts = (policy: Readable, entry: Entry) => HealthStatus;

function none(): HealthStatus {
  return 'ok';
}

function breakerFacts(policy: Readable, entry: Entry): HealthStatus {
  // Reading `state` applies what time did (openFor passed), as any read of it does.
  const state = policy.state;
  const stats = policy.stats as Partial<BreakerStatsHealth> | undefined;
  if (state === 'closed' || state === 'open' || state === 'halfOpen' || state === 'isolated') entry.state = state;
  if (typeof stats === 'object' && stats !== null) {
    entry.stats = {
      calls: num(stats.calls) ?? 0,
      failures: num(stats.failures) ?? 0,
      slowCalls: num(stats.slowCalls) ?? 0,
      failureRate: num(stats.failureRate) ?? 0,
      slowCallRate: num(stats.slowCallRate) ?? 0,
    };
  }
  if (state === 'open' || state === 'isolated') return 'down';
  return state === 'halfOpen' ? 'degraded' : 'ok';
}

/** Full: no free place and no room left in the queue. */
function isFull(
  active: number | undefined,
  limit: number | undefined,
  queued: number | undefined,
  maxQueue: number,
): boolean {
  return active !== undefined && limit !== undefined && active >= limit && (queued ?? 0) >= maxQueue;
}

function bulkheadFacts(policy: Readable, entry: Entry): HealthStatus {
  const active = num(policy.active);
  const queued = num(policy.queued);
  const maxConcurrent = num(policy.maxConcurrent);
  const maxQueue = num(policy.maxQueue) ?? 0;
  if (active !== undefined) entry.active = active;
  if (queued !== undefined) entry.queued = queued;
  if (maxConcurrent !== undefined) entry.maxConcurrent = bound(maxConcurrent);
  entry.maxQueue = bound(maxQueue);
  return isFull(active, maxConcurrent, queued, maxQueue) ? 'degraded' : 'ok';
}

/** An adaptive bulkhead: `limit`, `active`, `queued`, and `maxQueue` where it has one (else its default, 0). */
function adaptiveFacts(policy: Readable, entry: Entry): HealthStatus {
  const limit = num(policy.limit);
  const active = num(policy.active);
  const queued = num(policy.queued);
  const maxQueue = num(policy.maxQueue) ?? 0;
  if (limit !== undefined) entry.limit = limit;
  if (active !== undefined) entry.active = active;
  if (queued !== undefined) entry.queued = queued;
  entry.maxQueue = bound(maxQueue);
  return isFull(active, limit, queued, maxQueue) ? 'degraded' : 'ok';
}

/** A retry or hedge: its shared budget, degraded when no token is left. */
function budgetFacts(policy: Readable, entry: Entry): HealthStatus {
  const budget = policy.budget;
  if (typeof budget !== 'object' || budget === null) return 'ok';
  const available = num((budget as { available?: unknown }).available);
  if (available === undefined) return 'ok';
  entry.budget = { available };
  return available < 1 ? 'degraded' : 'ok';
}

/** A rate limit reports its tokens; refusing calls over the limit is its job, so it stays ok. */
function rateLimitFacts(policy: Readable, entry: Entry): HealthStatus {
  const available = num(policy.available);
  if (available !== undefined) entry.available = available;
  return 'ok';
}

function cacheFacts(policy: Readable, entry: Entry): HealthStatus {
  const size = num(policy.size);
  if (size !== undefined) entry.size = size;
  return 'ok';
}

/** A shared store given as the target (or inside a pipeline's list): its `degraded` flag. */
function storeFacts(store: Readable, entry: Entry): HealthStatus {
  const degraded = store.degraded === true;
  entry.degraded = degraded;
  return degraded ? 'degraded' : 'ok';
}

/** What the report reads of each kind it knows; a kind not here reports name, kind and `'ok'`. */
const FACTS: Readonly<Record<string, Facts>> = {
  timeout: none,
  retry: budgetFacts,
  circuitBreaker: breakerFacts,
  bulkhead: bulkheadFacts,
  keyed: none,
  fallback: none,
  hedge: budgetFacts,
  rateLimit: rateLimitFacts,
  injectFault: none,
  injectLatency: none,
  pipeline: none,
  adaptiveBulkhead: adaptiveFacts,
  cache: cacheFacts,
  store: storeFacts,
};

/** One policy's entry with its own facts and status (before what it holds is counted). */
function describePolicy(policy: ObservedPolicy, key: string | undefined): Entry {
  const entry: Entry = { name: policy.name, kind: policy.kind, status: 'ok' };
  if (key !== undefined) entry.key = key;
  if (!Object.hasOwn(FACTS, policy.kind)) return entry;
  let status = (FACTS[policy.kind] as Facts)(policy as Readable, entry);
  const store = storeOf(policy);
  if (store !== undefined) {
    entry.store =
      typeof store.name === 'string' ? { name: store.name, degraded: store.degraded } : { degraded: store.degraded };
    if (store.degraded) status = worse(status, 'degraded');
  }
  entry.status = status;
  return entry;
}

interface Frame {
  readonly entry: Entry;
  worst: HealthStatus;
}

/** Builds the report while the walker visits: entries in visit order, each status the worst below it. */
class HealthCollector implements Visitor {
  /** Where entries go: the report's list, or one pool's while that pool is walked. */
  out: Entry[] = [];
  private readonly stack: Frame[] = [];
  private readonly seen = new Set<object>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  run(target: ObservedPolicy): HealthReport {
    walk(target, this, this.seen, undefined);
    const policies = this.out;
    return { status: policies[0]?.status ?? 'ok', policies };
  }

  enter(policy: ObservedPolicy, key: string | undefined): boolean {
    const entry = describePolicy(policy, key);
    this.out.push(entry);
    this.stack.push({ entry, worst: entry.status });
    const pools = poolsOf(policy);
    if (pools === undefined) return true;
    this.listPools(entry, pools);
    return false;
  }

  leave(): void {
    const frame = this.stack.pop() as Frame;
    frame.entry.status = frame.worst;
    const parent = this.stack[this.stack.length - 1];
    if (parent !== undefined) parent.worst = worse(parent.worst, frame.worst);
  }

  /**
   * Walks every pool (each counts in the statuses), then lists at most
   * `limit` of them: down first, then degraded, then ok.
   */
  private listPools(entry: Entry, pools: ReadonlyArray<readonly [string, unknown]>): void {
    const byStatus: Record<HealthStatus, Entry[][]> = { down: [], degraded: [], ok: [] };
    const report = this.out;
    for (const [key, pool] of pools) {
      const own: Entry[] = [];
      this.out = own;
      walk(pool, this, this.seen, key);
      const first = own[0];
      if (first !== undefined) byStatus[first.status].push(own);
    }
    this.out = report;
    let listed = 0;
    for (const group of [byStatus.down, byStatus.degraded, byStatus.ok]) {
      for (const own of group) {
        if (listed >= this.limit) break;
        for (const e of own) report.push(e);
        listed++;
      }
    }
    entry.size = pools.length;
    entry.pools = { listed, down: byStatus.down.length, degraded: byStatus.degraded.length };
  }
}

/**
 * A JSON-serialisable report of how every policy reachable from `target` is
 * (pipelines walked, a keyed policy's pools listed up to `limit`; a shared
 * store given as the target reports its `degraded` flag), with an
 * overall `status`: the worst of every policy's, pools left out included. A
 * breaker open or isolated is `'down'`, half-open `'degraded'`; a bulkhead with
 * no free place and a full queue, a retry budget with no token and a degraded
 * shared store are `'degraded'`; all else is `'ok'`.
 *
 * @remarks
 * Made for a service's readiness endpoint, not its liveness check: restarting
 * an instance because a dependency is down only spreads the outage. Building
 * the report sets no timer and changes nothing but what reading a breaker's
 * `state` (its lazy `openElapsed` transition) and a keyed policy's `keys()`
 * (idle eviction) already do; pools are read without counting as a use.
 * Policies are told apart by `kind`, so those of another copy of the package
 * are read too; a kind this version does not know reports only `name`,
 * `kind` and `'ok'`. The schema is `docs/health.schema.json`.
 *
 * @example
 * ```ts
 * const report = health(pipeline(retry(), circuitBreaker({ name: 'payments' }), timeout(2_000)));
 * res.statusCode = report.status === 'down' ? 503 : 200;
 * res.end(JSON.stringify(report));
 * ```
 */
export function health(target: Policy | SharedStore, options?: HealthOptions): HealthReport {
  const policy = asObserved(target);
  if (policy === undefined) {
    throw new TypeError(
      `${HEALTH}: target must be a breakwater policy (an object with kind and name), got ${describe(target)}`,
    );
  }
  const o = checkOptionKeys<HealthOptions>(HEALTH, options, OPTION_KEYS);
  const limit = o.limit === undefined ? DEFAULT_HEALTH_LIMIT : integerAtLeast(HEALTH, 'limit', o.limit, 0, true);
  return new HealthCollector(limit).run(policy);
}
