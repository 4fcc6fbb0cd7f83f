import { isBreakwaterError } from 'breakwater';
import {
  BREAKER_STATES,
  EVENTS,
  FEEDS,
  INSTRUMENTS,
  type ErrorType,
  type EventFeed,
  type InstrumentId,
  KEY,
  OBSERVERS,
  type Observer,
  type Payload,
  POLICY_KIND,
  POLICY_NAME,
} from './instruments.js';

/** Attribute (label) values of one series, keyed as the backend names them. */
export type AttributeMap = Record<string, string>;

/** Reports one value of an observable instrument at collection. */
export type Report = (value: number, attributes: AttributeMap) => void;

/** What an adapter gives the shared walker: its instruments, made from {@link INSTRUMENTS}. */
export interface Backend {
  /** An attribute key as the backend spells it (Prometheus: dots become underscores). */
  attributeName(key: string): string;
  /** The recording function of a counter (adds `value`) or histogram (records `value`). */
  synchronous(id: InstrumentId): (value: number, attributes: AttributeMap) => void;
  /** Calls `collect` each time the backend collects instrument `id`; returns what stops it. */
  observe(id: InstrumentId, collect: (report: Report) => void): () => void;
  /** The series with these attributes will not be fed again: drop it where the backend can. */
  forget(id: InstrumentId, attributes: AttributeMap): void;
  /**
   * Keep reporting 0 for a group of one name whose last member left: a cumulative OpenTelemetry
   * reader would otherwise keep its last value. Groups per key are dropped either way.
   */
  readonly retainEmptyGroups: boolean;
  /** Called when the last instrumented policy left: nothing of this sink is fed any more. */
  idle?(): void;
}

/** How the policies reached by one `instrument()` call are attributed. */
export interface Settings {
  readonly errorType: ErrorType;
  readonly keyAttribute: boolean;
  /** Constant attributes, keys as given (OpenTelemetry spelling). */
  readonly constants: Readonly<Record<string, string>>;
}

/** A target as the walker sees it: its own fields, read by name. */
type Target = Readonly<Record<string, unknown>> & {
  on(event: string, fn: (payload: Payload) => void): unknown;
  off(event: string, fn: (payload: Payload) => void): unknown;
};

function hasEmitter(value: unknown): value is Target {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { on?: unknown }).on === 'function' &&
    typeof (value as { off?: unknown }).off === 'function'
  );
}

/** A breakwater policy: `kind`, `name`, `execute` and events (never `instanceof`, so a second copy of the package counts). */
export function isPolicy(value: unknown): value is Target {
  return (
    hasEmitter(value) &&
    typeof value.kind === 'string' &&
    typeof value.name === 'string' &&
    typeof value.execute === 'function'
  );
}

/** A shared store: `name`, a `degraded` flag, and `degraded`/`restored` events. */
export function isStore(value: unknown): value is Target {
  return (
    hasEmitter(value) &&
    typeof value.degraded === 'boolean' &&
    typeof value.name === 'string' &&
    typeof value.execute !== 'function'
  );
}

/** The default `errorType`: a BreakwaterError's `name`, else the constructor's name, else `_OTHER`. */
export function defaultErrorType(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '_OTHER';
  const name = (error as { name?: unknown }).name;
  if (isBreakwaterError(error) && typeof name === 'string') return name;
  const ctor = (Object.getPrototypeOf(error) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof ctor === 'string' && ctor !== '' ? ctor : '_OTHER';
}

const UNSET = '\u0000';

/** Series that share their constant attributes: one policy name, kind, constants and (maybe) key. */
class Group {
  readonly kind: string;
  readonly keyed: boolean;
  readonly members = new Set<Member>();
  /** Attribute maps already built, per instrument and extra values: no object per call. */
  private readonly cache = new Map<InstrumentId, Map<string, AttributeMap>>();
  /** Observables this group reported, so it reports 0 for them once it is empty. */
  readonly observed = new Set<InstrumentId>();
  private readonly base: AttributeMap;
  private readonly names: (key: string) => string;

  constructor(kind: string, base: AttributeMap, keyed: boolean, names: (key: string) => string) {
    this.kind = kind;
    this.base = base;
    this.keyed = keyed;
    this.names = names;
  }

  /** The attributes of `id`'s series with these extra values. */
  attributes(id: InstrumentId, values: readonly (string | undefined)[]): AttributeMap {
    let byValues = this.cache.get(id);
    if (byValues === undefined) {
      byValues = new Map();
      this.cache.set(id, byValues);
    }
    let cacheKey = '';
    for (let i = 0; i < values.length; i++) cacheKey += (values[i] ?? UNSET) + '\u0001';
    let attributes = byValues.get(cacheKey);
    if (attributes === undefined) {
      attributes = { ...this.base };
      const keys = INSTRUMENTS[id].attributes;
      for (let i = 0; i < keys.length; i++) {
        const value = values[i];
        if (value !== undefined) attributes[this.names(keys[i] as string)] = value;
      }
      byValues.set(cacheKey, attributes);
    }
    return attributes;
  }

  /** Every series a synchronous instrument recorded for this group. */
  *fed(): Iterable<[InstrumentId, AttributeMap]> {
    for (const [id, byValues] of this.cache) {
      if (INSTRUMENTS[id].type === 'counter' || INSTRUMENTS[id].type === 'histogram') {
        for (const attributes of byValues.values()) yield [id, attributes];
      }
    }
  }
}

/** One instrumented policy or store, with what it added. */
class Member {
  readonly target: Target;
  readonly kind: string;
  readonly group: Group;
  refs = 1;
  readonly listeners: [string, (payload: Payload) => void][] = [];
  readonly children: Member[] = [];
  /** A keyed policy's pools, by key. */
  readonly pools = new Map<string, Member>();

  constructor(target: Target, kind: string, group: Group) {
    this.target = target;
    this.kind = kind;
    this.group = group;
  }
}

/**
 * Everything instrumented into one meter or registry: the policies reached (each once, counted by
 * handles), their series groups, and the observable callbacks, registered while any policy is.
 */
export class Sink {
  private readonly backend: Backend;
  private readonly members = new Map<object, Member>();
  private readonly groups = new Map<string, Group>();
  private readonly stops: (() => void)[] = [];
  private readonly recorders = new Map<InstrumentId, (value: number, attributes: AttributeMap) => void>();

  constructor(backend: Backend) {
    this.backend = backend;
  }

  /** True while some policy is instrumented here. */
  get active(): boolean {
    return this.members.size !== 0;
  }

  /**
   * Instruments `target` and everything reachable from it; returns the detach function. The
   * caller checked that `target` is a policy or a store.
   */
  instrument(target: Target, settings: Settings): () => void {
    const member = this.acquire(target, settings, undefined);
    let detached = false;
    return () => {
      if (detached || member === undefined) return;
      detached = true;
      this.release(member);
    };
  }

  private acquire(candidate: unknown, settings: Settings, key: string | undefined): Member | undefined {
    const store = isStore(candidate);
    if (!store && !isPolicy(candidate)) return undefined; // not breakwater's: skipped
    const target = candidate as Target;
    const found = this.members.get(target);
    if (found !== undefined) {
      found.refs++;
      return found;
    }
    const kind = store ? 'store' : (target.kind as string);
    const member = new Member(target, kind, this.group(kind, target.name as string, settings, key));
    if (this.members.size === 0) this.startObserving();
    this.members.set(target, member);
    member.group.members.add(member);

    if (kind === 'pipeline') {
      for (const policy of (target.policies as readonly unknown[] | undefined) ?? [])
        this.adopt(member, policy, settings, key);
    }
    if (kind === 'keyed') this.adoptPools(member, settings);
    if (!store && isStore(target.store)) this.adopt(member, target.store, settings, undefined);
    for (const event of EVENTS[kind] ?? []) {
      const listener = this.listener(member, event, settings);
      member.listeners.push([event, listener]);
      target.on(event, listener);
    }
    return member;
  }

  private adopt(parent: Member, target: unknown, settings: Settings, key: string | undefined): void {
    const child = this.acquire(target, settings, key);
    if (child !== undefined) parent.children.push(child);
  }

  /** A keyed policy's pools alive now (reading them counts as a use; instrument before the first call to avoid it). */
  private adoptPools(member: Member, settings: Settings): void {
    const keyed = member.target as Target & { keys?: () => string[]; get?: (key: string) => unknown };
    if (typeof keyed.keys !== 'function' || typeof keyed.get !== 'function') return;
    for (const key of keyed.keys()) this.adoptPool(member, key, keyed.get(key), settings);
  }

  private adoptPool(member: Member, key: string, pool: unknown, settings: Settings): void {
    if (member.pools.has(key)) return;
    const child = this.acquire(pool, settings, key);
    if (child !== undefined) member.pools.set(key, child);
  }

  private release(member: Member): void {
    if (--member.refs !== 0) return;
    for (const [event, listener] of member.listeners) member.target.off(event, listener);
    member.listeners.length = 0;
    for (const child of member.children) this.release(child);
    for (const pool of member.pools.values()) this.release(pool);
    member.children.length = 0;
    member.pools.clear();
    this.members.delete(member.target);
    const group = member.group;
    group.members.delete(member);
    if (group.members.size === 0 && (group.keyed || !this.backend.retainEmptyGroups)) this.dropGroup(group);
    if (this.members.size === 0) this.stopObserving();
  }

  private group(kind: string, name: string, settings: Settings, key: string | undefined): Group {
    const poolKey = settings.keyAttribute ? key : undefined;
    const id = JSON.stringify([kind, name, poolKey ?? null, settings.constants]);
    let group = this.groups.get(id);
    if (group === undefined) {
      const names = (k: string): string => this.backend.attributeName(k);
      const base: AttributeMap = {};
      for (const [k, v] of Object.entries(settings.constants)) base[names(k)] = v;
      base[names(POLICY_NAME)] = name;
      base[names(POLICY_KIND)] = kind;
      if (poolKey !== undefined) base[names(KEY)] = poolKey;
      group = new Group(kind, base, poolKey !== undefined, names);
      this.groups.set(id, group);
    }
    return group;
  }

  private dropGroup(group: Group): void {
    for (const [id, group_] of this.groups) {
      if (group_ !== group) continue;
      this.groups.delete(id);
      for (const [instrument, attributes] of group.fed()) this.backend.forget(instrument, attributes);
      return;
    }
  }

  private recorder(id: InstrumentId): (value: number, attributes: AttributeMap) => void {
    let record = this.recorders.get(id);
    if (record === undefined) {
      record = this.backend.synchronous(id);
      this.recorders.set(id, record);
    }
    return record;
  }

  /** The one listener for `event` of `member`: `breakwater.events`, the event's own instruments, and keyed pool bookkeeping. */
  private listener(member: Member, event: string, settings: Settings): (payload: Payload) => void {
    const group = member.group;
    const errorType = settings.errorType;
    const countEvent = this.recorder('events');
    const feeds: readonly EventFeed[] = FEEDS[member.kind]?.[event] ?? [];
    const records = feeds.map((feed) => this.recorder(feed.instrument));
    const plain = [event, undefined] as const;
    let onPool: ((payload: Payload) => void) | undefined;
    if (member.kind === 'keyed' && event === 'created') {
      onPool = (payload) => this.adoptPool(member, payload.key as string, payload.pool, settings);
    } else if (member.kind === 'keyed' && event === 'evicted') {
      onPool = (payload) => {
        const pool = member.pools.get(payload.key as string);
        if (pool === undefined) return;
        member.pools.delete(payload.key as string);
        this.release(pool);
      };
    }
    // The group outlives its members, so its attribute maps can be held here: the common case
    // (an event without an error, a feed whose values repeat) looks nothing up.
    const plainAttributes = group.attributes('events', plain);
    const last = feeds.map(() => new LastAttributes());
    return (payload) => {
      const error = eventError(payload);
      countEvent(1, error === NO_ERROR ? plainAttributes : group.attributes('events', [event, errorType(error)]));
      for (let i = 0; i < feeds.length; i++) {
        const feed = feeds[i] as EventFeed;
        const values = feed.attributes(payload, errorType);
        const memo = last[i] as LastAttributes;
        if (!memo.matches(values)) memo.set(values, group.attributes(feed.instrument, values));
        (records[i] as (value: number, attributes: AttributeMap) => void)(
          feed.value(payload),
          memo.attributes as AttributeMap,
        );
      }
      if (onPool !== undefined) onPool(payload);
    };
  }

  private startObserving(): void {
    this.stops.push(this.backend.observe('breakerState', (report) => this.reportStates(report)));
    for (const observer of OBSERVERS) {
      this.stops.push(this.backend.observe(observer.instrument, (report) => this.reportObserver(observer, report)));
    }
  }

  private stopObserving(): void {
    for (const stop of this.stops.splice(0)) stop();
    for (const group of [...this.groups.values()]) this.dropGroup(group);
    this.recorders.clear();
    this.backend.idle?.();
  }

  /** For each breaker group, how many of its breakers are in each state (0s included). */
  private reportStates(report: Report): void {
    for (const group of [...this.groups.values()]) {
      if (group.kind !== 'circuitBreaker') continue;
      const counts = BREAKER_STATES.map(() => 0);
      for (const member of group.members) {
        const index = BREAKER_STATES.indexOf(member.target.state as string);
        if (index >= 0) counts[index] = (counts[index] as number) + 1;
      }
      BREAKER_STATES.forEach((state, i) => report(counts[i] as number, group.attributes('breakerState', [state])));
    }
  }

  private reportObserver(observer: Observer, report: Report): void {
    for (const group of [...this.groups.values()]) {
      if (!observer.kinds.includes(group.kind)) continue;
      if (group.members.size === 0) {
        if (group.observed.has(observer.instrument) && INSTRUMENTS[observer.instrument].attributes.length === 0) {
          report(0, group.attributes(observer.instrument, []));
        }
        continue;
      }
      const totals = new Map<string, { values: readonly string[]; value: number }>();
      const seen = new Set<object>();
      for (const member of group.members) {
        const shared = observer.shared?.(member.target);
        if (shared !== undefined) {
          if (seen.has(shared)) continue;
          seen.add(shared);
        }
        const value = observer.read(member.target);
        if (value === undefined) continue;
        const values = observer.attributes?.(member.target) ?? [];
        const key = values.join('\u0001');
        const total = totals.get(key);
        if (total === undefined) totals.set(key, { values, value });
        else total.value = observer.combine === 'sum' ? total.value + value : Math.max(total.value, value);
      }
      for (const { values, value } of totals.values()) {
        group.observed.add(observer.instrument);
        report(value, group.attributes(observer.instrument, values));
      }
    }
  }
}

/** The attributes a feed recorded with last, and the values they were built from. */
class LastAttributes {
  private values: readonly (string | undefined)[] | undefined = undefined;
  attributes: AttributeMap | undefined = undefined;

  matches(values: readonly (string | undefined)[]): boolean {
    const previous = this.values;
    if (previous === undefined || previous.length !== values.length) return false;
    for (let i = 0; i < values.length; i++) if (previous[i] !== values[i]) return false;
    return true;
  }

  set(values: readonly (string | undefined)[], attributes: AttributeMap): void {
    this.values = values;
    this.attributes = attributes;
  }
}

const NO_ERROR: unique symbol = Symbol('no error');

function eventError(payload: Payload): unknown {
  if ('error' in payload) return payload.error;
  const outcome = payload.outcome as { ok?: boolean; error?: unknown } | undefined;
  if (outcome !== undefined && outcome.ok === false) return outcome.error;
  return NO_ERROR;
}
