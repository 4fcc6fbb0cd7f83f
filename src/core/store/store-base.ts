import type { Clock } from '../clock.js';
import { PolicyEmitter } from '../events.js';
import type {
  BreakerReport,
  BreakerView,
  BucketRule,
  Grant,
  SharedStore,
  StoreEvents,
  StoreListener,
  StoreReply,
} from './protocol.js';

/** How a store watches its own health. */
export interface StoreHealthOptions {
  /** Used in events and metrics. */
  readonly name: string;
  /** The source of time for `commandTimeout` and `retryAfter`. */
  readonly clock: Clock;
  /** A command that has not answered after this many milliseconds degrades the store (`Infinity`: never). */
  readonly commandTimeout: number;
  /** How long the store stays degraded before one call probes it, in milliseconds. */
  readonly retryAfter: number;
}

/** The error a command that did not answer in time degrades the store with. */
export class StoreTimeoutError extends Error {
  /** The `commandTimeout` that elapsed. */
  readonly ms: number;

  constructor(ms: number) {
    super(`store command did not answer within ${ms} ms`);
    this.ms = ms;
  }
}
Object.defineProperty(StoreTimeoutError.prototype, 'name', {
  value: 'StoreTimeoutError',
  writable: true,
  configurable: true,
});

/** One command in flight: settles once, by its reply or by its timer. */
class Command<R> {
  private readonly store: StoreBase;
  private readonly probe: boolean;
  private timer: unknown = undefined;
  private done = false;
  resolve: (value: R | undefined) => void = noop;

  constructor(store: StoreBase, probe: boolean) {
    this.store = store;
    this.probe = probe;
  }

  start(work: Promise<R>, clock: Clock, ms: number): Promise<R | undefined> {
    const settled = new Promise<R | undefined>((resolve) => {
      this.resolve = resolve;
    });
    if (ms !== Infinity) this.timer = clock.setTimeout(this.expire, ms);
    work.then(this.answer, this.fail);
    return settled;
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    if (this.done) return;
    this.done = true;
    this.store.commandFailed(new StoreTimeoutError(this.store.commandTimeout), this.probe);
    this.resolve(undefined);
  };

  private readonly answer = (value: R): void => {
    if (this.done) return;
    this.finish();
    this.store.commandAnswered(this.probe);
    this.resolve(value);
  };

  private readonly fail = (error: unknown): void => {
    if (this.done) return;
    this.finish();
    this.store.commandFailed(error, this.probe);
    this.resolve(undefined);
  };

  private finish(): void {
    this.done = true;
    if (this.timer !== undefined) this.store.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function noop(): void {}

/**
 * What every store shares: its name, its health (degraded for `retryAfter`
 * after a failed command, then one probe) and its events. A store implements
 * the operations by handing `send` a promise of the parsed reply; a reply it
 * cannot use should reject that promise, which degrades the store like an
 * error does.
 *
 * @example
 * ```ts
 * class MyStore extends StoreBase {
 *   take(bucket, key, rule, want) { return this.send(() => myTake(bucket, key, rule, want)); }
 *   // ...
 * }
 * ```
 */
export abstract class StoreBase implements SharedStore {
  /** Always `'store'`. */
  readonly kind = 'store' as const;
  /** Used in events and metrics. */
  readonly name: string;
  /** The milliseconds a command may take before it degrades the store. */
  readonly commandTimeout: number;
  /** The milliseconds a degraded store waits before one probe. */
  readonly retryAfter: number;
  /** @internal */
  readonly clock: Clock;
  private readonly events = new PolicyEmitter<StoreEvents>();
  private isDegraded = false;
  private degradedUntil = 0;
  private probing = false;

  constructor(options: StoreHealthOptions) {
    this.name = options.name;
    this.clock = options.clock;
    this.commandTimeout = options.commandTimeout;
    this.retryAfter = options.retryAfter;
  }

  /** Listens to `degraded` or `restored`; a listener that throws is reported, never felt by a call. */
  on<K extends keyof StoreEvents>(event: K, listener: StoreListener<K>): this {
    this.events.on(event, listener as never);
    return this;
  }

  /** Listens once. */
  once<K extends keyof StoreEvents>(event: K, listener: StoreListener<K>): this {
    this.events.once(event, listener as never);
    return this;
  }

  /** Stops listening. */
  off<K extends keyof StoreEvents>(event: K, listener?: StoreListener<K>): this {
    this.events.off(event, listener as never);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof StoreEvents): number {
    return this.events.listenerCount(event);
  }

  /** True while the store is degraded (policies decide locally). */
  get degraded(): boolean {
    return this.isDegraded;
  }

  abstract take(bucket: string, key: string | undefined, rule: BucketRule, want: number): StoreReply<Grant>;
  abstract breaker(name: string, report: BreakerReport): StoreReply<BreakerView>;
  abstract probe(name: string, holder: string, ms: number, max: number, quietMs: number): StoreReply<boolean>;
  abstract unprobe(name: string, holder: string): StoreReply<boolean>;
  abstract get(key: string): StoreReply<string | null>;
  abstract set(key: string, value: string, ttlMs: number): StoreReply<boolean>;
  abstract delete(key: string): StoreReply<boolean>;

  /**
   * Sends a command unless the store is degraded: `undefined` at once while
   * degraded; after `retryAfter` the first command goes out as the one probe.
   * @internal
   */
  protected send<R>(work: () => Promise<R>): StoreReply<R> {
    let probe = false;
    if (this.isDegraded) {
      if (this.probing || this.clock.now() < this.degradedUntil) return undefined;
      this.probing = probe = true;
    }
    let promise: Promise<R>;
    try {
      promise = work();
    } catch (error) {
      promise = Promise.reject(error);
    }
    return new Command<R>(this, probe).start(promise, this.clock, this.commandTimeout);
  }

  /** @internal */
  commandAnswered(probe: boolean): void {
    if (!probe) return; // a reply to a command sent before the store degraded proves nothing now
    this.probing = false;
    this.isDegraded = false;
    this.emitStore('restored', {});
  }

  /** @internal */
  commandFailed(error: unknown, probe: boolean): void {
    if (probe) this.probing = false;
    const was = this.isDegraded;
    if (was && !probe) return; // already degraded by an earlier command; its clock runs
    this.isDegraded = true;
    this.degradedUntil = this.clock.now() + this.retryAfter;
    if (!was) this.emitStore('degraded', { error });
  }

  /**
   * Marks the store degraded at once, as a failed command would (for tests and
   * maintenance): `degraded` is emitted when it was healthy.
   */
  degrade(error: unknown = new Error('store marked degraded')): void {
    this.commandFailed(error, false);
  }

  /** Ends a degraded spell at once, as a successful probe would: `restored` is emitted when it was degraded. */
  restore(): void {
    if (!this.isDegraded) return;
    this.commandAnswered(true);
  }

  private emitStore<K extends keyof StoreEvents>(event: K, fields: StoreEvents[K]): void {
    const events = this.events;
    if (events.listenerCount(event) === 0) return;
    const payload = Object.freeze({
      ...fields,
      policy: this.name,
      key: undefined,
      correlationId: undefined,
      at: this.clock.now(),
    });
    (events.emit as (event: string, payload: unknown) => boolean)(event, payload);
  }
}
