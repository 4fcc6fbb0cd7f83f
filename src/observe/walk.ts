/** The keyed policy's look-up that counts as no use (its Symbol.for key, so no import of the policy). */
const PEEK_POOL: unique symbol = Symbol.for('breakwater.keyed.peek') as never;

/**
 * What observers read of any policy: its `kind` and `name`. Policies are told
 * apart by `kind`, never by `instanceof`, so the policies of a second copy of
 * the package are observed too.
 */
export interface ObservedPolicy {
  readonly kind: string;
  readonly name: string;
}

/** Walks the policies reachable from a target; see {@link walk}. */
export interface Visitor {
  /**
   * A policy reached for the first time, inside the pool of `key` when a
   * keyed policy holds it. Returning false leaves what it holds unvisited.
   */
  enter(policy: ObservedPolicy, key: string | undefined): boolean;
  /** Everything `policy` holds has been visited (called after every `enter`). */
  leave(policy: ObservedPolicy): void;
}

/** The policy `value` is, or undefined when it is not one of breakwater's (no string `kind` and `name`). */
export function asObserved(value: unknown): ObservedPolicy | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { kind, name } = value as Partial<Record<'kind' | 'name', unknown>>;
  return typeof kind === 'string' && typeof name === 'string' ? (value as ObservedPolicy) : undefined;
}

/** The policies a pipeline composes, outermost first; none for any other policy. */
export function innerPolicies(policy: ObservedPolicy): readonly unknown[] {
  if (policy.kind !== 'pipeline') return [];
  const inner = (policy as { policies?: unknown }).policies;
  return Array.isArray(inner) ? inner : [];
}

type PoolReader = {
  keys?: unknown;
  [PEEK_POOL]?: unknown;
};

/**
 * The live pools of a keyed policy, as `[key, pool]` in the order they were
 * made; undefined for any other policy. Reading them evicts what is idle (as
 * reading `keys()` does) but counts as no use: pools are peeked, not got.
 */
export function poolsOf(policy: ObservedPolicy): Array<readonly [string, unknown]> | undefined {
  if (policy.kind !== 'keyed') return undefined;
  const reader = policy as PoolReader;
  const keys = reader.keys;
  const peek = reader[PEEK_POOL];
  if (typeof keys !== 'function' || typeof peek !== 'function') return undefined;
  const pools: Array<readonly [string, unknown]> = [];
  for (const key of keys.call(policy) as Iterable<string>) {
    const pool: unknown = peek.call(policy, key);
    if (pool !== undefined) pools.push([key, pool]);
  }
  return pools;
}

/** What a policy's `store` option holds when it is a shared store: a name and a degraded flag. */
export interface ObservedStore {
  readonly name?: unknown;
  readonly degraded: boolean;
}

/** The shared store a policy keeps its state in (its `store` property with a boolean `degraded`), if any. */
export function storeOf(policy: ObservedPolicy): ObservedStore | undefined {
  const store = (policy as { store?: unknown }).store;
  if (typeof store !== 'object' || store === null) return undefined;
  return typeof (store as Partial<ObservedStore>).degraded === 'boolean' ? (store as ObservedStore) : undefined;
}

/**
 * Visits `target` and every policy reachable from it, depth first: the
 * policies of pipelines (nested ones too) and the pools a keyed policy holds
 * now. A policy reached twice (shared by two pipelines) is visited once:
 * `seen` remembers what was visited, so several walks can share it.
 * Objects that are not breakwater policies are passed over.
 */
export function walk(target: unknown, visitor: Visitor, seen: Set<object>, key: string | undefined): void {
  const policy = asObserved(target);
  if (policy === undefined || seen.has(policy)) return;
  seen.add(policy);
  if (visitor.enter(policy, key)) {
    for (const inner of innerPolicies(policy)) walk(inner, visitor, seen, key);
    const pools = poolsOf(policy);
    if (pools !== undefined) for (const [poolKey, pool] of pools) walk(pool, visitor, seen, poolKey);
  }
  visitor.leave(policy);
}
