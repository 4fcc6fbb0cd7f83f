import type { Clock } from '../core/clock.js';
import type { Context } from '../core/context.js';
import type { Outcome } from '../core/policy.js';
import { knownKeys, type OptionNames } from '../core/validate.js';

const SCRIPTED_OPTIONS: OptionNames<ScriptedOptions> = { clock: true, exhausted: true, honorsAbort: true };

/**
 * What one call of a {@link scripted} dependency does. Build steps with
 * {@link succeed}, {@link fail}, {@link hang} and {@link delay}.
 *
 * `latency` absent: the call settles at once (a settled promise, no timer).
 * `latency` a number (0 included): it settles after that many milliseconds on
 * the clock, so the test must move the clock.
 */
export type ScriptStep<T> =
  | { readonly kind: 'success'; readonly value: T; readonly latency?: number }
  | { readonly kind: 'failure'; readonly error: unknown; readonly latency?: number }
  | HangStep;

/** A step that never settles on its own; made by {@link hang}, for `scripted` and `scriptedFetch` alike. */
export type HangStep = { readonly kind: 'hang' };

/** A whole script: steps in call order, or a function of the call's index (0 for the first call). */
export type Schedule<T> = readonly ScriptStep<T>[] | ((index: number) => ScriptStep<T>);

/** Options of {@link scripted}. */
export interface ScriptedOptions {
  /** The clock every latency runs on (usually a `VirtualClock`). Required. */
  clock: Clock;
  /**
   * What happens after the last step of an array schedule: `'repeat'` the
   * last step forever, or `'cycle'` back to the first.
   * @defaultValue `'repeat'`
   */
  exhausted?: 'repeat' | 'cycle';
  /**
   * Whether the dependency stops when `ctx.signal` aborts, as `fetch` does:
   * a call in its latency or hanging rejects with `signal.reason` at once,
   * and a call made with an already aborted signal rejects without waiting.
   * With `false` it ignores the signal (a latency runs to its end; a hang
   * never settles), like a client that takes no signal.
   * @defaultValue `true`
   */
  honorsAbort?: boolean;
}

/** The record of one call of a {@link scripted} dependency. */
export interface ScriptedCall<T> {
  /** 0 for the first call of this dependency, in call order. */
  readonly index: number;
  /** The step this call followed. */
  readonly step: ScriptStep<T>;
  /** `ctx.attempt`. */
  readonly attempt: number;
  /** `ctx.idempotencyKey`: the same for every attempt of one `execute`. */
  readonly idempotencyKey: string;
  /** `ctx.idempotent`. */
  readonly idempotent: boolean;
  /** `ctx.key`. */
  readonly key: string | undefined;
  /** `ctx.correlationId`. */
  readonly correlationId: string | undefined;
  /** `ctx.deadline`. */
  readonly deadline: number | undefined;
  /** Clock time when the call started. */
  readonly start: number;
  /** Clock time when it settled; `undefined` while it runs (or hangs forever). */
  readonly end: number | undefined;
  /** How it settled; `undefined` while it runs. */
  readonly outcome: Outcome | undefined;
  /** `ctx.signal` was already aborted when the call started. */
  readonly abortedAtStart: boolean;
  /** `ctx.signal` aborted before the call settled (at the start included). */
  readonly signalAborted: boolean;
}

/** A fake dependency that follows a {@link Schedule}; pass it as the function of `execute`. */
export interface ScriptedFunction<T> {
  (ctx: Context): Promise<T>;
  /** Every call so far, in call order. Records update in place as calls settle. */
  readonly calls: readonly ScriptedCall<T>[];
  /** Calls started and not yet settled. */
  readonly inFlight: number;
  /** The largest number of calls that were in flight at once. */
  readonly maxInFlight: number;
}

const SUCCESS = 'success';
const FAILURE = 'failure';
const HANG = 'hang';

function latencyOf(policy: string, latency: unknown): number | undefined {
  if (latency === undefined) return undefined;
  if (typeof latency !== 'number' || !(latency >= 0) || !Number.isFinite(latency)) {
    throw new RangeError(`${policy}: latency must be a finite number >= 0, got ${String(latency)}`);
  }
  return latency;
}

/**
 * A step that resolves with `value`, at once or after `latency` ms.
 * @example
 * ```ts
 * scripted([succeed('ok', 20)], { clock });
 * ```
 */
export function succeed<T>(value: T, latency?: number): ScriptStep<T> {
  const ms = latencyOf('succeed', latency);
  return ms === undefined ? { kind: SUCCESS, value } : { kind: SUCCESS, value, latency: ms };
}

/**
 * A step that rejects with `error`, at once or after `latency` ms.
 * @example
 * ```ts
 * scripted([fail(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))], { clock });
 * ```
 */
export function fail(error: unknown, latency?: number): ScriptStep<never> {
  const ms = latencyOf('fail', latency);
  return ms === undefined ? { kind: FAILURE, error } : { kind: FAILURE, error, latency: ms };
}

/**
 * A step that never settles on its own: it waits until `ctx.signal` aborts,
 * then rejects with `signal.reason` (a dependency that stopped answering).
 * @example
 * ```ts
 * scripted([hang(), succeed('ok')], { clock }); // first call stuck, the rest fine
 * ```
 */
export function hang(): HangStep {
  return { kind: HANG };
}

/**
 * A step that takes `latency` ms and then resolves with `value` (default `undefined`).
 * @example
 * ```ts
 * scripted([delay(5_000)], { clock }); // every call takes five seconds
 * ```
 */
export function delay<T = undefined>(latency: number, value?: T): ScriptStep<T | undefined> {
  const ms = latencyOf('delay', latency) ?? 0;
  return { kind: SUCCESS, value, latency: ms };
}

interface MutableCall<T> {
  index: number;
  step: ScriptStep<T>;
  attempt: number;
  idempotencyKey: string;
  idempotent: boolean;
  key: string | undefined;
  correlationId: string | undefined;
  deadline: number | undefined;
  start: number;
  end: number | undefined;
  outcome: Outcome | undefined;
  abortedAtStart: boolean;
  signalAborted: boolean;
}

function checkStep<T>(step: unknown, index: number): ScriptStep<T> {
  const kind = (step as { kind?: unknown } | null)?.kind;
  if (kind !== SUCCESS && kind !== FAILURE && kind !== HANG) {
    throw new TypeError(
      `scripted: step for call ${index} must be made by succeed, fail, hang or delay, got ${String(kind)}`,
    );
  }
  return step as ScriptStep<T>;
}

/**
 * The options every scripted dependency shares, checked: an object with a clock, known keys only,
 * and what happens after the last step. Shared with `scriptedFetch`.
 */
export function scriptSettings<O extends { clock: Clock; exhausted?: 'repeat' | 'cycle' }>(
  fn: string,
  options: O,
  known: OptionNames<O>,
): { clock: Clock; exhausted: 'repeat' | 'cycle' } {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${fn}: options must be an object with a clock, got ${String(options)}`);
  }
  knownKeys(fn, options, known);
  const clock = options.clock;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function'
  ) {
    throw new TypeError(`${fn}: clock must be an object with now, setTimeout and clearTimeout`);
  }
  const exhausted = options.exhausted ?? 'repeat';
  if (exhausted !== 'repeat' && exhausted !== 'cycle') {
    throw new RangeError(`${fn}: exhausted must be one of "repeat", "cycle", got ${String(exhausted)}`);
  }
  return { clock, exhausted };
}

/**
 * A fake dependency: call by call it follows `schedule` (succeeds, fails,
 * hangs until aborted, or takes a latency) on the given clock, and records
 * every call (attempt, idempotency key, start and end time, outcome, whether
 * its signal aborted). Every timer and abort listener a call makes is removed
 * when it settles.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const dependency = scripted([fail(new Error('boom')), succeed('ok', 10)], { clock });
 * const result = retry({ idempotent: true, clock }).execute(dependency);
 * await clock.runAll();
 * await result; // 'ok'
 * dependency.calls.map((c) => c.attempt); // [1, 2]
 * ```
 */
export function scripted<T>(schedule: Schedule<T>, options: ScriptedOptions): ScriptedFunction<T> {
  const { clock, exhausted } = scriptSettings('scripted', options, SCRIPTED_OPTIONS);
  const honorsAbort = options.honorsAbort ?? true;
  let stepFor: (index: number) => ScriptStep<T>;
  if (typeof schedule === 'function') {
    stepFor = (index) => checkStep<T>(schedule(index), index);
  } else if (Array.isArray(schedule) && schedule.length > 0) {
    const steps = schedule.map((s, i) => checkStep<T>(s, i));
    const last = steps.length - 1;
    stepFor =
      exhausted === 'repeat'
        ? (index) => steps[Math.min(index, last)] as ScriptStep<T>
        : (index) => steps[index % steps.length] as ScriptStep<T>;
  } else {
    throw new TypeError('scripted: schedule must be a non-empty array of steps or a function of the call index');
  }

  const calls: MutableCall<T>[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const run = (ctx: Context): Promise<T> => {
    const index = calls.length;
    const step = stepFor(index);
    const signal = ctx.signal;
    const abortedAtStart = signal.aborted;
    const record: MutableCall<T> = {
      index,
      step,
      attempt: ctx.attempt,
      idempotencyKey: ctx.idempotencyKey,
      idempotent: ctx.idempotent,
      key: ctx.key,
      correlationId: ctx.correlationId,
      deadline: ctx.deadline,
      start: clock.now(),
      end: undefined,
      outcome: undefined,
      abortedAtStart,
      signalAborted: abortedAtStart,
    };
    calls.push(record);
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;

    return new Promise<T>((resolve, reject) => {
      let timer: unknown = undefined;
      let hasTimer = false;
      let listening = false;
      let done = false;
      const settle = (outcome: Outcome): void => {
        if (done) return;
        done = true;
        if (hasTimer) clock.clearTimeout(timer);
        if (listening) signal.removeEventListener('abort', onAbort);
        record.end = clock.now();
        record.outcome = outcome;
        inFlight--;
        if (outcome.ok) resolve(outcome.value as T);
        else reject(outcome.error);
      };
      const onAbort = (): void => {
        // An abort fires once: stop listening now, so that a dependency that
        // ignores the signal (and may never settle) leaves no listener behind.
        signal.removeEventListener('abort', onAbort);
        listening = false;
        record.signalAborted = true;
        if (honorsAbort) settle({ ok: false, error: signal.reason });
      };
      const finishStep = (): void => {
        hasTimer = false;
        if (step.kind === SUCCESS) settle({ ok: true, value: step.value });
        else if (step.kind === FAILURE) settle({ ok: false, error: step.error });
      };

      if (abortedAtStart && honorsAbort) {
        settle({ ok: false, error: signal.reason });
        return;
      }
      if (step.kind === HANG || step.latency !== undefined) {
        if (!abortedAtStart) {
          signal.addEventListener('abort', onAbort);
          listening = true;
        }
        if (step.kind !== HANG) {
          timer = clock.setTimeout(finishStep, step.latency as number);
          hasTimer = true;
        }
        return;
      }
      finishStep();
    });
  };

  return Object.defineProperties(run, {
    calls: { get: (): readonly ScriptedCall<T>[] => calls, enumerable: true },
    inFlight: { get: (): number => inFlight, enumerable: true },
    maxInFlight: { get: (): number => maxInFlight, enumerable: true },
  }) as ScriptedFunction<T>;
}
