/**
 * Model-based test: a plain reference model of the breaker, written the
 * simple way (a list of timestamped samples instead of buckets, arrays
 * instead of rings), driven by fast-check commands against the real breaker
 * on the VirtualClock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  circuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerPolicy,
  type CircuitState,
  IsolatedCircuitError,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

type Kind = 'consecutive' | 'count' | 'time';
type Outcome = 'S' | 'F';

interface Config {
  kind: Kind;
  failures: number; // consecutive
  size: number; // count
  ms: number; // time
  buckets: number; // time
  minimumCalls: number;
  failureRate: number;
  slowCall: { ms: number; rate: number } | undefined;
  openFor: { fixed: number } | { perOpen: number };
  probes: number;
  maxWait: number;
}

interface Sample {
  t: number;
  failed: boolean;
  slow: boolean;
}

interface Change {
  from: CircuitState;
  to: CircuitState;
  reason: string;
}

/** The reference: what the breaker should do, written plainly. */
class Model {
  state: CircuitState = 'closed';
  generation = 0;
  opens = 0;
  openUntil = 0;
  probes: { id: number; startedAt: number }[] = [];
  probeSuccesses = 0;
  isolations = 0;
  isolationEpoch = 0;
  /** The generation in which the window was last emptied: older calls are not recorded. */
  windowSince = 0;
  samples: Sample[] = [];
  run = 0; // consecutive failures
  changes: Change[] = [];
  private nextProbe = 0;

  constructor(readonly cfg: Config) {}

  private openForMs(opens: number): number {
    return 'fixed' in this.cfg.openFor ? this.cfg.openFor.fixed : this.cfg.openFor.perOpen * opens;
  }

  private move(to: CircuitState, reason: string): void {
    this.changes.push({ from: this.state, to, reason });
    this.state = to;
    this.generation++;
    this.probes = [];
    this.probeSuccesses = 0;
  }

  private open(at: number, reason: string): void {
    this.move('open', reason);
    this.opens++;
    this.openUntil = at + this.openForMs(this.opens);
  }

  private close(reason: string): void {
    this.move('closed', reason);
    this.opens = 0;
    this.isolations = 0;
    this.clearWindow();
  }

  clearWindow(): void {
    this.samples = [];
    this.run = 0;
    this.windowSince = this.generation;
  }

  catchUp(now: number): void {
    for (;;) {
      if (this.state === 'open' && now >= this.openUntil) {
        this.move('halfOpen', 'openElapsed');
      } else if (this.state === 'halfOpen' && this.probes.length > 0) {
        const expiry = Math.min(...this.probes.map((p) => p.startedAt)) + this.cfg.maxWait;
        if (now < expiry) return;
        this.open(expiry, 'probeFailed');
      } else {
        return;
      }
    }
  }

  live(now: number): Sample[] {
    const { cfg } = this;
    if (cfg.kind === 'count') return this.samples.slice(-cfg.size);
    if (cfg.kind === 'consecutive') return this.samples;
    const width = cfg.ms / cfg.buckets;
    const current = Math.floor(now / width);
    return this.samples.filter((s) => Math.floor(s.t / width) > current - cfg.buckets);
  }

  stats(now: number) {
    if (this.cfg.kind === 'consecutive') return { calls: this.run, failures: this.run, slowCalls: 0 };
    const live = this.live(now);
    return {
      calls: live.length,
      failures: live.filter((s) => s.failed).length,
      slowCalls: live.filter((s) => s.slow).length,
    };
  }

  private record(now: number, failed: boolean, slow: boolean): void {
    if (this.cfg.kind === 'consecutive') this.run = failed ? this.run + 1 : 0;
    else this.samples = [...this.live(now), { t: now, failed, slow }];
  }

  private verdict(now: number): string | undefined {
    const { cfg } = this;
    if (cfg.kind === 'consecutive') return this.run >= cfg.failures ? 'consecutiveFailures' : undefined;
    const { calls, failures, slowCalls } = this.stats(now);
    if (calls === 0 || calls < cfg.minimumCalls) return undefined;
    if (failures / calls >= cfg.failureRate) return 'failureRate';
    if (cfg.slowCall !== undefined && slowCalls / calls >= cfg.slowCall.rate) return 'slowCallRate';
    return undefined;
  }

  /** A call arrives: the admission decision. */
  admit(
    now: number,
  ):
    | { kind: 'run'; generation: number; probe: number | undefined }
    | { kind: 'broken'; retryAfter: number }
    | { kind: 'isolated' } {
    this.catchUp(now);
    switch (this.state) {
      case 'closed':
        return { kind: 'run', generation: this.generation, probe: undefined };
      case 'open':
        return { kind: 'broken', retryAfter: this.openUntil - now };
      case 'isolated':
        return { kind: 'isolated' };
      case 'halfOpen': {
        if (this.probes.length >= this.cfg.probes) return { kind: 'broken', retryAfter: 0 };
        const id = this.nextProbe++;
        this.probes.push({ id, startedAt: now });
        return { kind: 'run', generation: this.generation, probe: id };
      }
    }
  }

  /** A call settles; `'N'` counts as neither. */
  settle(
    call: { generation: number; probe: number | undefined; startedAt: number },
    outcome: Outcome | 'N',
    now: number,
  ): void {
    this.catchUp(now);
    const isProbe = call.probe !== undefined;
    const current = isProbe && this.state === 'halfOpen' && this.probes.some((p) => p.id === call.probe);
    if (outcome === 'N') {
      if (current) this.probes = this.probes.filter((p) => p.id !== call.probe);
      return;
    }
    const failed = outcome === 'F';
    const slow = this.cfg.slowCall !== undefined && now - call.startedAt >= this.cfg.slowCall.ms;
    if (call.generation >= this.windowSince) this.record(now, failed, slow);
    if (isProbe) {
      if (!current) return;
      this.probes = this.probes.filter((p) => p.id !== call.probe);
      if (failed || slow) this.open(now, 'probeFailed');
      else if (++this.probeSuccesses >= this.cfg.probes) this.close('probesSucceeded');
    } else if (this.state === 'closed' && call.generation === this.generation) {
      const reason = this.verdict(now);
      if (reason !== undefined) this.open(now, reason);
    }
  }

  abortProbe(probe: number | undefined, now: number): void {
    this.catchUp(now);
    if (probe !== undefined && this.state === 'halfOpen') this.probes = this.probes.filter((p) => p.id !== probe);
  }

  isolate(now: number): number {
    this.catchUp(now);
    if (this.state === 'isolated') this.isolations++;
    else {
      this.move('isolated', 'isolated');
      this.isolations = 1;
    }
    return this.isolationEpoch;
  }

  release(epoch: number, now: number): void {
    this.catchUp(now);
    if (this.state !== 'isolated' || epoch !== this.isolationEpoch || this.isolations === 0) return;
    if (--this.isolations === 0) this.close('released');
  }

  reset(now: number): void {
    this.catchUp(now);
    if (this.state !== 'closed') this.close('reset');
    else this.generation++;
    this.isolations = 0;
    this.isolationEpoch++;
    this.clearWindow();
  }

  /** What a breaker restored from a snapshot starts as. */
  restore(now: number): void {
    this.catchUp(now);
    this.probes = [];
    this.probeSuccesses = 0;
    this.isolations = 0;
    this.isolationEpoch = 0;
    this.changes = [];
    // A new breaker: calls of the old one never reach it.
    this.generation = 0;
    this.windowSince = 0;
  }
}

interface Pending {
  instance: number;
  generation: number;
  probe: number | undefined;
  startedAt: number;
  settle: (outcome: Outcome) => void;
  abort: AbortController;
  promise: Promise<unknown>;
  done: boolean;
}

interface Handle {
  instance: number;
  epoch: number;
  released: boolean;
  release(): void;
}

/** The real side: the breaker (replaced on snapshot-restore), its clock, and what the test holds. */
class Real {
  readonly clock = new VirtualClock(5_000);
  breaker: CircuitBreakerPolicy;
  instance = 0;
  events: Change[] = [];
  pending: Pending[] = [];
  handles: Handle[] = [];

  constructor(readonly options: CircuitBreakerOptions) {
    this.breaker = this.make(undefined);
  }

  make(initialState: CircuitBreakerOptions['initialState']): CircuitBreakerPolicy {
    const breaker = circuitBreaker({ ...this.options, clock: this.clock, initialState });
    const instance = ++this.instance;
    this.events = [];
    breaker.on('stateChange', ({ from, to, reason }) => {
      if (instance === this.instance) this.events.push({ from, to, reason });
    });
    this.breaker = breaker;
    return breaker;
  }
}

type Cmd = fc.AsyncCommand<Model, Real>;
const swallow = (): void => {};

function checkAdmission(model: Model, admission: ReturnType<Model['admit']>, error: unknown): void {
  if (admission.kind === 'broken') {
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect((error as BrokenCircuitError).retryAfter).toBe(admission.retryAfter);
  } else if (admission.kind === 'isolated') {
    expect(error).toBeInstanceOf(IsolatedCircuitError);
  }
  expect(model.probes.length).toBeLessThanOrEqual(model.cfg.probes);
}

/** Runs after every command: state, window and events agree with the model. */
function checkInvariants(model: Model, real: Real): void {
  const now = real.clock.now();
  model.catchUp(now);
  expect(real.breaker.state).toBe(model.state);
  expect(real.breaker.stats).toMatchObject(model.stats(now));
  expect(real.events).toEqual(model.changes);
  for (let i = 1; i < real.events.length; i++) {
    const [prev, next] = [real.events[i - 1] as Change, real.events[i] as Change];
    expect(next.from).toBe(prev.to);
    expect(next.from).not.toBe(next.to);
  }
  expect(model.probes.length).toBeLessThanOrEqual(model.cfg.probes);
  expect(real.clock.pending).toBe(0);
}

class CallCmd implements Cmd {
  constructor(readonly outcome: Outcome) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const now = real.clock.now();
    const admission = model.admit(now);
    const error = new Error('down');
    const result = await real.breaker
      .execute(() => (this.outcome === 'S' ? 'ok' : Promise.reject(error)))
      .then(
        (v) => v,
        (e: unknown) => e,
      );
    if (admission.kind === 'run') {
      expect(result).toBe(this.outcome === 'S' ? 'ok' : error);
      model.settle({ generation: admission.generation, probe: admission.probe, startedAt: now }, this.outcome, now);
    } else {
      checkAdmission(model, admission, result);
    }
    checkInvariants(model, real);
  }
  toString = (): string => `call(${this.outcome})`;
}

class SlowCmd implements Cmd {
  constructor(
    readonly ms: number,
    readonly outcome: Outcome,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const { clock } = real;
    const start = clock.now();
    const admission = model.admit(start);
    const p = real.breaker
      .execute(
        () =>
          new Promise((resolve, reject) =>
            clock.setTimeout(() => (this.outcome === 'S' ? resolve('ok') : reject(new Error('late'))), this.ms),
          ),
      )
      .then(
        (v) => v,
        (e: unknown) => e,
      );
    if (admission.kind !== 'run') {
      checkAdmission(model, admission, await p);
      await clock.advance(this.ms);
    } else {
      expect(model.probes.length).toBeLessThanOrEqual(model.cfg.probes);
      await clock.advance(this.ms);
      await p;
      model.settle(
        { generation: admission.generation, probe: admission.probe, startedAt: start },
        this.outcome,
        start + this.ms,
      );
    }
    checkInvariants(model, real);
  }
  toString = (): string => `slow(${this.ms}, ${this.outcome})`;
}

class StartCmd implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const now = real.clock.now();
    const admission = model.admit(now);
    let settle: (outcome: Outcome) => void = () => {};
    const abort = new AbortController();
    const promise = real.breaker.execute(
      ({ signal }) =>
        new Promise((resolve, reject) => {
          settle = (o) => (o === 'S' ? resolve('ok') : reject(new Error('down')));
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      { signal: abort.signal },
    );
    promise.catch(swallow);
    if (admission.kind === 'run') {
      real.pending.push({
        instance: real.instance,
        generation: admission.generation,
        probe: admission.probe,
        startedAt: now,
        settle,
        abort,
        promise,
        done: false,
      });
    } else {
      checkAdmission(model, admission, await promise.catch((e: unknown) => e));
    }
    checkInvariants(model, real);
  }
  toString = (): string => 'start()';
}

class FinishCmd implements Cmd {
  constructor(
    readonly index: number,
    readonly outcome: Outcome,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const open = real.pending.filter((p) => !p.done);
    const call = open[this.index % Math.max(1, open.length)];
    if (call !== undefined) {
      call.done = true;
      call.settle(this.outcome);
      await call.promise.catch(swallow);
      if (call.instance === real.instance) model.settle(call, this.outcome, real.clock.now());
    }
    checkInvariants(model, real);
  }
  toString = (): string => `finish(${this.index}, ${this.outcome})`;
}

class AbortCmd implements Cmd {
  constructor(readonly index: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const open = real.pending.filter((p) => !p.done);
    const call = open[this.index % Math.max(1, open.length)];
    if (call !== undefined) {
      call.done = true;
      call.abort.abort(new Error('caller gave up'));
      await call.promise.catch(swallow);
      if (call.instance === real.instance) {
        model.abortProbe(call.probe, real.clock.now());
        model.settle(call, 'N', real.clock.now());
      }
    }
    checkInvariants(model, real);
  }
  toString = (): string => `abort(${this.index})`;
}

class AdvanceCmd implements Cmd {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.clock.advance(this.ms);
    checkInvariants(model, real);
  }
  toString = (): string => `advance(${this.ms})`;
}

class IsolateCmd implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const epoch = model.isolate(real.clock.now());
    const h = real.breaker.isolate();
    real.handles.push({ instance: real.instance, epoch, released: false, release: () => h.release() });
    checkInvariants(model, real);
  }
  toString = (): string => 'isolate()';
}

class ReleaseCmd implements Cmd {
  constructor(readonly index: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const h = real.handles[this.index % Math.max(1, real.handles.length)];
    if (h !== undefined) {
      h.release(); // possibly again: idempotent per handle
      if (!h.released && h.instance === real.instance) model.release(h.epoch, real.clock.now());
      h.released = true;
    }
    checkInvariants(model, real);
  }
  toString = (): string => `release(${this.index})`;
}

class ResetCmd implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    model.reset(real.clock.now());
    real.breaker.reset();
    checkInvariants(model, real);
  }
  toString = (): string => 'reset()';
}

class RestoreCmd implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const json = JSON.stringify(real.breaker.snapshot());
    real.make(JSON.parse(json));
    model.restore(real.clock.now());
    checkInvariants(model, real);
  }
  toString = (): string => 'snapshotRestore()';
}

const outcome = fc.constantFrom<Outcome>('S', 'F');
const call = outcome.map((o) => new CallCmd(o));
const start = fc.constant(null).map(() => new StartCmd());
const finish = fc.tuple(fc.nat(), outcome).map(([i, o]) => new FinishCmd(i, o));
const advance = fc.integer({ min: 1, max: 400 }).map((ms) => new AdvanceCmd(ms));
/** Weighted by repetition: calls and time dominate; isolation, reset and restore are rarer. */
const commands = [
  call,
  call,
  call,
  call,
  start,
  start,
  finish,
  finish,
  advance,
  advance,
  fc.tuple(fc.integer({ min: 1, max: 120 }), outcome).map(([ms, o]) => new SlowCmd(ms, o)),
  fc.nat().map((i) => new AbortCmd(i)),
  fc.oneof(
    fc.constant(null).map(() => new IsolateCmd()),
    fc.nat().map((i) => new ReleaseCmd(i)),
    fc.constant(null).map(() => new ResetCmd()),
    fc.constant(null).map(() => new RestoreCmd()),
  ),
  fc.nat().map((i) => new ReleaseCmd(i)),
];

function configFor(kind: Kind): fc.Arbitrary<Config> {
  return fc.record({
    kind: fc.constant(kind),
    failures: fc.integer({ min: 1, max: 3 }),
    size: fc.integer({ min: 1, max: 5 }),
    ms: fc.constantFrom(100, 250, 1_000),
    buckets: fc.integer({ min: 1, max: 4 }),
    minimumCalls: fc.integer({ min: 0, max: 4 }),
    failureRate: fc.constantFrom(0.25, 0.5, 1),
    slowCall:
      kind === 'consecutive'
        ? fc.constant(undefined)
        : fc.option(fc.record({ ms: fc.constantFrom(20, 50), rate: fc.constantFrom(0.5, 1) }), { nil: undefined }),
    openFor: fc.oneof(
      fc.integer({ min: 0, max: 150 }).map((fixed) => ({ fixed })),
      fc.integer({ min: 10, max: 60 }).map((perOpen) => ({ perOpen })),
    ),
    probes: fc.integer({ min: 1, max: 3 }),
    maxWait: fc.oneof(fc.integer({ min: 50, max: 300 }), fc.constant(Infinity)),
  });
}

function optionsFor(cfg: Config): CircuitBreakerOptions {
  const window =
    cfg.kind === 'consecutive'
      ? { kind: 'consecutive' as const, failures: cfg.failures }
      : cfg.kind === 'count'
        ? { kind: 'count' as const, size: cfg.size }
        : { kind: 'time' as const, ms: cfg.ms, buckets: cfg.buckets };
  const openFor = cfg.openFor;
  return {
    window,
    failureRate: cfg.failureRate,
    minimumCalls: cfg.kind === 'count' ? Math.min(cfg.minimumCalls, cfg.size) : cfg.minimumCalls,
    slowCall: cfg.slowCall,
    openFor: 'fixed' in openFor ? openFor.fixed : (n: number) => openFor.perOpen * n,
    halfOpen: { probes: cfg.probes, maxWait: cfg.maxWait },
  };
}

describe('circuitBreaker: model-based', () => {
  it.each<Kind>(['consecutive', 'count', 'time'])(
    'behaves like the reference model (%s window)',
    async (kind) => {
      await fc.assert(
        fc.asyncProperty(
          configFor(kind),
          fc.commands(commands, { maxCommands: 30, size: 'large' }),
          async (cfg, cmds) => {
            const options = optionsFor(cfg);
            const model = new Model({ ...cfg, minimumCalls: options.minimumCalls as number });
            await fc.asyncModelRun(() => ({ model, real: new Real(options) }), cmds);
          },
        ),
        { numRuns: 1_000 },
      );
    },
    60_000,
  );
});
