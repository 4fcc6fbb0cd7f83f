import type { Policy } from '../core/policy.js';
import { describe } from '../core/validate.js';
import { type EventRecord, messageOf, toRecord } from './event-record.js';
import { checkOptionKeys } from './option-keys.js';
import { asObserved, type ObservedPolicy, poolsOf, storeOf, type Visitor, walk } from './walk.js';

const LOG_EVENTS = 'logEvents';

/** The levels a record may be logged at: the method of the logger that is called. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** A level, `false` for "do not log (nor listen to) this event", or a choice per record. */
export type EventLevel = LogLevel | false | ((record: EventRecord) => LogLevel | false);

/**
 * What {@link logEvents} writes to: an object with a method per level taking
 * `(record, message)`, the shape of pino and bunyan loggers and of `console`.
 * `debug`, `info` and `warn` are needed (the default levels), and every level
 * that `levels` names.
 */
export interface EventLogger {
  trace?: (record: EventRecord, message: string) => unknown;
  debug?: (record: EventRecord, message: string) => unknown;
  info?: (record: EventRecord, message: string) => unknown;
  warn?: (record: EventRecord, message: string) => unknown;
  error?: (record: EventRecord, message: string) => unknown;
  fatal?: (record: EventRecord, message: string) => unknown;
  /** pino's: when present, a record of a level it turns down is not even built. */
  isLevelEnabled?: (level: LogLevel) => boolean;
}

/** Options of {@link logEvents}. */
export interface LogEventsOptions {
  /**
   * Levels per event, keyed `'kind.event'` (`'circuitBreaker.rejected'`) or
   * `'event'` (`'rejected'`, for every kind), the first found winning, before
   * {@link DEFAULT_EVENT_LEVELS}. `false` neither logs nor listens to the event.
   * @defaultValue {@link DEFAULT_EVENT_LEVELS}; any other event `'debug'`
   * @example
   * ```ts fragment
   * logEvents(policy, logger, { levels: { 'circuitBreaker.rejected': 'info', attempt: false } });
   * ```
   */
  levels?: Readonly<Record<string, EventLevel>>;
}

/** What {@link logEvents} returns. */
export interface EventLogHandle {
  /** Removes every listener `logEvents` added; the policies hold exactly the listeners they had before. Calling it again does nothing. */
  detach(): void;
}

/**
 * The levels that are not `'debug'` by default: a breaker that opens or is
 * isolated `'warn'`, its other transitions (half-open, a probe that closed
 * it) `'info'`; a retry blocked because the call is not idempotent `'info'`
 * (listening to `retryBlocked` silences the one-time warning retry gives);
 * a shared store that degrades `'warn'`, one restored `'info'`.
 */
export const DEFAULT_EVENT_LEVELS: Readonly<Record<string, EventLevel>> = /* @__PURE__ */ Object.freeze({
  'circuitBreaker.stateChange': (record: EventRecord): LogLevel =>
    record.to === 'open' || record.to === 'isolated' ? 'warn' : 'info',
  'retry.retryBlocked': (record: EventRecord): LogLevel => (record.reason === 'not-idempotent' ? 'info' : 'debug'),
  'store.degraded': 'warn',
  'store.restored': 'info',
});

/** The level of every event {@link DEFAULT_EVENT_LEVELS} and `levels` leave out. */
export const DEFAULT_EVENT_LEVEL: LogLevel = 'debug';

/** The events of each kind of policy; a kind not here is walked through but not listened to. */
const EVENTS: Readonly<Record<string, readonly string[]>> = {
  timeout: ['timeout'],
  retry: ['attempt', 'retry', 'giveUp', 'retryBlocked'],
  circuitBreaker: ['stateChange', 'success', 'failure', 'rejected'],
  bulkhead: ['rejected', 'dequeued'],
  keyed: ['created', 'evicted'],
  fallback: ['fallback'],
  hedge: ['hedge', 'attempt'],
  rateLimit: ['rejected'],
  injectFault: ['fault'],
  injectLatency: ['latency'],
  pipeline: ['settled'],
  adaptiveBulkhead: ['rejected', 'limitChanged'],
  cache: ['hit', 'miss', 'stale', 'coalesced'],
  store: ['degraded', 'restored'],
};

const LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const REQUIRED_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn'];

type Listener = (payload: unknown) => void;
interface Emitter {
  on(event: string, fn: Listener): unknown;
  off(event: string, fn: Listener): unknown;
}

function asEmitter(value: object): Emitter | undefined {
  const e = value as Partial<Record<'on' | 'off', unknown>>;
  return typeof e.on === 'function' && typeof e.off === 'function' ? (value as Emitter) : undefined;
}

/**
 * The logger threw: reported as a listener error is (a `BreakwaterListenerError`
 * warning, code `BREAKWATER_LISTENER_ERROR`, the logger's error as `cause`),
 * never reaching the call.
 */
function reportLoggerError(error: unknown, policy: string, event: string): void {
  try {
    const warning = new Error(`${LOG_EVENTS}: the logger threw on event ${event} of ${policy}`, {
      cause: error,
    }) as Error & { code?: string };
    warning.name = 'BreakwaterListenerError';
    warning.code = 'BREAKWATER_LISTENER_ERROR';
    const proc = (globalThis as { process?: { emitWarning?: (warning: Error) => void } }).process;
    if (typeof proc?.emitWarning === 'function') proc.emitWarning(warning);
    else console.error(warning);
  } catch {
    // Reporting must never fail the call either.
  }
}

function checkLevel(name: string, value: unknown): EventLevel {
  if (value === false || typeof value === 'function') return value as EventLevel;
  if (typeof value === 'string' && LEVELS.includes(value)) return value as LogLevel;
  const message = `${LOG_EVENTS}: ${name} must be one of ${LEVELS.map((l) => JSON.stringify(l)).join(', ')}, false or a function, got ${describe(value)}`;
  throw typeof value === 'string' ? new RangeError(message) : new TypeError(message);
}

function checkLevels(value: unknown): Readonly<Record<string, EventLevel>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${LOG_EVENTS}: levels must be an object, got ${describe(value)}`);
  }
  const levels: Record<string, EventLevel> = {};
  for (const [name, level] of Object.entries(value))
    levels[name] = checkLevel(`levels[${JSON.stringify(name)}]`, level);
  return levels;
}

function checkLogger(value: unknown, levels: Readonly<Record<string, EventLevel>>): EventLogger {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    throw new TypeError(
      `${LOG_EVENTS}: logger must be an object with debug, info and warn methods (pino, bunyan, console), got ${describe(value)}`,
    );
  }
  const needed = new Set<string>(REQUIRED_LEVELS);
  for (const level of Object.values(levels)) if (typeof level === 'string') needed.add(level);
  for (const level of needed) {
    const method = (value as Record<string, unknown>)[level];
    if (typeof method !== 'function')
      throw new TypeError(`${LOG_EVENTS}: logger.${level} must be a function, got ${describe(method)}`);
  }
  return value as EventLogger;
}

/** The listeners added to one emitter. */
interface Attached {
  readonly emitter: Emitter;
  readonly listeners: Array<readonly [string, Listener]>;
}

/** What one walk (the target's, or one pool's) attached, and every policy it visited. */
interface Reach {
  readonly attached: Attached[];
  readonly visited: object[];
}

/** Attaches a listener per event to every policy the walker visits, and follows keyed pools as they come and go. */
class EventLog implements Visitor, EventLogHandle {
  private readonly logger: EventLogger;
  private readonly levels: Readonly<Record<string, EventLevel>>;
  private readonly isLevelEnabled: ((level: LogLevel) => boolean) | undefined;
  private readonly seen = new Set<object>();
  /** What the walk from the target attached; shared stores and keyed policies' own listeners too. */
  private readonly top: Reach = { attached: [], visited: [] };
  /** Per keyed policy, per pool key: what that pool's walk reached, let go when the pool is evicted. */
  private readonly pools = new Map<object, Map<string, Reach>>();
  /** Where `enter` records what it reaches: the pool being walked, else the top level. */
  private into: Reach = this.top;
  private detached = false;

  constructor(logger: EventLogger, levels: Readonly<Record<string, EventLevel>>) {
    this.logger = logger;
    this.levels = levels;
    const check = logger.isLevelEnabled;
    this.isLevelEnabled = typeof check === 'function' ? check.bind(logger) : undefined;
  }

  start(target: ObservedPolicy): void {
    walk(target, this, this.seen, undefined);
  }

  enter(policy: ObservedPolicy): boolean {
    this.into.visited.push(policy);
    const store = storeOf(policy);
    if (store !== undefined && !this.seen.has(store)) {
      // Shared stores live as long as the log: they outlast the pools that reach them.
      this.seen.add(store);
      const name = typeof store.name === 'string' ? store.name : 'store';
      this.listen(store, 'store', name, this.top.attached);
    }
    this.listen(policy, policy.kind, policy.name, this.into.attached);
    const pools = poolsOf(policy);
    if (pools === undefined) return true;
    const byKey = new Map<string, Reach>();
    this.pools.set(policy, byKey);
    for (const [key, pool] of pools) this.attachPool(byKey, key, pool);
    this.follow(policy, byKey);
    return false;
  }

  leave(): void {
    // Nothing to do once a policy's children are attached.
  }

  detach(): void {
    if (this.detached) return;
    this.detached = true;
    for (const a of this.top.attached) remove(a);
    for (const byKey of this.pools.values())
      for (const reach of byKey.values()) for (const a of reach.attached) remove(a);
    this.top.attached.length = 0;
    this.pools.clear();
    this.seen.clear();
  }

  private attachPool(byKey: Map<string, Reach>, key: string, pool: unknown): void {
    const reach: Reach = { attached: [], visited: [] };
    const outer = this.into;
    this.into = reach;
    try {
      walk(pool, this, this.seen, key);
    } finally {
      this.into = outer;
    }
    byKey.set(key, reach);
  }

  /** Keeps a keyed policy's pools attached: each new one on `created`, each evicted one let go. */
  private follow(keyed: ObservedPolicy, byKey: Map<string, Reach>): void {
    const emitter = asEmitter(keyed);
    if (emitter === undefined) return;
    const onCreated: Listener = (payload) => {
      const { key, pool } = payload as { key?: unknown; pool?: unknown };
      if (typeof key === 'string') this.attachPool(byKey, key, pool);
    };
    const onEvicted: Listener = (payload) => {
      const key = (payload as { key?: unknown }).key;
      if (typeof key !== 'string') return;
      const reach = byKey.get(key);
      if (reach === undefined) return;
      byKey.delete(key);
      this.release(reach);
    };
    emitter.on('created', onCreated);
    emitter.on('evicted', onEvicted);
    this.into.attached.push({
      emitter,
      listeners: [
        ['created', onCreated],
        ['evicted', onEvicted],
      ],
    });
  }

  /** Lets go of what an evicted pool reached, the pools of a keyed policy inside it included. */
  private release(reach: Reach): void {
    for (const a of reach.attached) remove(a);
    for (const visited of reach.visited) {
      // A policy that comes back (a factory that hands out a cached one) is attached again.
      this.seen.delete(visited);
      const inner = this.pools.get(visited);
      if (inner === undefined) continue;
      this.pools.delete(visited);
      for (const r of inner.values()) this.release(r);
    }
  }

  private listen(target: object, kind: string, name: string, into: Attached[]): void {
    const events = Object.hasOwn(EVENTS, kind) ? (EVENTS[kind] as readonly string[]) : [];
    const emitter = asEmitter(target);
    if (emitter === undefined || events.length === 0) return;
    const listeners: Array<readonly [string, Listener]> = [];
    for (const event of events) {
      const level = this.levelOf(kind, event);
      if (level === false) continue;
      const listener: Listener = (payload) => this.log(kind, event, name, level, payload);
      emitter.on(event, listener);
      listeners.push([event, listener]);
    }
    if (listeners.length > 0) into.push({ emitter, listeners });
  }

  private levelOf(kind: string, event: string): EventLevel {
    const qualified = `${kind}.${event}`;
    const levels = this.levels;
    if (Object.hasOwn(levels, qualified)) return levels[qualified] as EventLevel;
    if (Object.hasOwn(levels, event)) return levels[event] as EventLevel;
    if (Object.hasOwn(DEFAULT_EVENT_LEVELS, qualified)) return DEFAULT_EVENT_LEVELS[qualified] as EventLevel;
    return DEFAULT_EVENT_LEVEL;
  }

  private log(kind: string, event: string, name: string, level: EventLevel, payload: unknown): void {
    try {
      if (typeof level === 'string') {
        if (this.isLevelEnabled !== undefined && !this.isLevelEnabled(level)) return;
        const record = toRecord(kind, event, name, payload);
        this.write(level, record);
      } else if (level !== false) {
        const record = toRecord(kind, event, name, payload);
        const chosen = level(record);
        if (chosen === false || (this.isLevelEnabled !== undefined && !this.isLevelEnabled(chosen))) return;
        this.write(chosen, record);
      }
    } catch (error) {
      const policy =
        typeof (payload as { policy?: unknown } | undefined)?.policy === 'string'
          ? (payload as { policy: string }).policy
          : name;
      reportLoggerError(error, policy, event);
    }
  }

  private write(level: LogLevel, record: EventRecord): void {
    const method = this.logger[level];
    if (typeof method !== 'function')
      throw new TypeError(`${LOG_EVENTS}: logger.${level} must be a function, got ${describe(method)}`);
    method.call(this.logger, record, messageOf(record));
  }
}

function remove(a: Attached): void {
  for (const [event, listener] of a.listeners) a.emitter.off(event, listener);
}

/**
 * Logs every event of every policy reachable from `target` (pipelines walked,
 * a keyed policy's pools as they are made and evicted, shared stores reached
 * through a policy's `store`) as one structured record,
 * `{ policy, kind, event, key, correlationId, at, ...payload }`, passed to
 * `logger[level](record, message)`: the call pino and bunyan take and
 * `console` accepts. A breaker that opens is logged at `'warn'`, a probe that
 * closed it at `'info'`, routine events at `'debug'`; `levels` changes any.
 *
 * @remarks
 * A logger that throws never changes a call: its error is reported as a
 * listener's is (`process.emitWarning` with a `BreakwaterListenerError`, else
 * `console.error`). Listening has the cost any listener has (a breaker times
 * its calls while someone listens to `success`/`failure`): turn off what you
 * do not need with `false`. Errors are reduced to name, message and code, and
 * values are never logged. `detach()` leaves exactly the listeners there were.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const log = logEvents(policy, pino(), { levels: { success: false } });
 * // on shutdown
 * log.detach();
 * ```
 */
export function logEvents(target: Policy, logger: EventLogger, options?: LogEventsOptions): EventLogHandle {
  const policy = asObserved(target);
  if (policy === undefined) {
    throw new TypeError(
      `${LOG_EVENTS}: target must be a breakwater policy (an object with kind and name), got ${describe(target)}`,
    );
  }
  const o = checkOptionKeys<LogEventsOptions>(LOG_EVENTS, options, ['levels']);
  const levels = checkLevels(o.levels);
  const log = new EventLog(checkLogger(logger, levels), levels);
  log.start(policy);
  return { detach: () => log.detach() };
}
