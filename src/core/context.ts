import { type AbortSubscriber, subscribeToSignal, unsubscribeFromSignal } from './signal-fanout.js';

export type { AbortSubscriber } from './signal-fanout.js';
import { describe } from './validate.js';

/** Options for one `execute` call. */
export interface ExecuteOptions {
  /** The caller's cancellation. An abort rejects the call with `signal.reason`, unchanged. */
  signal?: AbortSignal;
  /** May this call run more than once? Overrides the retry or hedge policy's default. */
  idempotent?: boolean;
  /** Routes `keyed()` pools: a dependency, a host, a tenant. */
  key?: string;
  /** Copied onto every event this call causes. */
  correlationId?: string;
}

/**
 * What the wrapped function receives, one per attempt.
 *
 * @remarks
 * Gotchas: `signal` aborts on the caller's abort, on a timeout, or when a
 * hedged attempt lost the race; pass it on to `fetch` or your client so the
 * work really stops.
 */
export interface Context {
  /** Aborts on caller abort, timeout, or a lost hedge race. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The call's option, else the enclosing retry/hedge default, else false. */
  readonly idempotent: boolean;
  /** One UUID per `execute` call, the same on every attempt. */
  readonly idempotencyKey: string;
  /** The call's `key` option. */
  readonly key: string | undefined;
  /** The call's `correlationId` option. */
  readonly correlationId: string | undefined;
  /** Clock time at which the tightest enclosing timeout fires. */
  readonly deadline: number | undefined;
}

/**
 * Where a call's cancellation comes from: the caller's signal at the root, a
 * timeout or hedge attempt below it. Subscribing costs no AbortController;
 * one is built only when someone reads `signal`.
 */
export interface Scope {
  readonly aborted: boolean;
  /** False when nothing can ever abort this scope (a call without a signal, outside any timeout). */
  readonly canAbort: boolean;
  readonly reason: unknown;
  readonly signal: AbortSignal;
  subscribe(subscriber: AbortSubscriber): void;
  unsubscribe(subscriber: AbortSubscriber): void;
}

function randomUuid(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID !== undefined) return c.randomUUID();
  // Fallback for runtimes without Web Crypto: RFC 4122 version 4 layout.
  const hex = '0123456789abcdef';
  let out = '';
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) out += '-';
    else if (i === 14) out += '4';
    else if (i === 19) out += hex[8 + Math.floor(Math.random() * 4)];
    else out += hex[Math.floor(Math.random() * 16)];
  }
  return out;
}

/**
 * An AbortSignal by shape: `aborted`, `addEventListener` and
 * `removeEventListener`, what the policies use. A shape check (not
 * `instanceof`) accepts a signal from another realm or a polyfill.
 */
export function isAbortSignalLike(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { aborted?: unknown }).aborted === 'boolean' &&
    typeof (value as { addEventListener?: unknown }).addEventListener === 'function' &&
    typeof (value as { removeEventListener?: unknown }).removeEventListener === 'function'
  );
}

function wrongOption(option: string, expected: string, value: unknown): string {
  return `execute option ${option} must be ${expected}, got ${describe(value)}`;
}

/**
 * What is wrong with `execute`'s options, or `undefined` when nothing is:
 * checked at the start of every call so that a wrong value rejects the call
 * instead of hanging it or surfacing later as an unrelated error.
 */
export function executeOptionsProblem(options: unknown): string | undefined {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return `execute options must be an object such as { signal, key }, got ${describe(options)}`;
  }
  if (isAbortSignalLike(options)) {
    return 'execute options must be an object such as { signal }, got an AbortSignal: write execute(fn, { signal }), not execute(fn, signal)';
  }
  const o = options as { signal?: unknown; idempotent?: unknown; key?: unknown; correlationId?: unknown };
  const signal = o.signal;
  if (signal !== undefined && !isAbortSignalLike(signal)) {
    const controller =
      typeof signal === 'object' &&
      signal !== null &&
      typeof (signal as { abort?: unknown }).abort === 'function' &&
      'signal' in signal;
    return (
      wrongOption('signal', 'an AbortSignal', signal) +
      (controller ? ' (an AbortController: pass controller.signal)' : '')
    );
  }
  if (o.idempotent !== undefined && typeof o.idempotent !== 'boolean')
    return wrongOption('idempotent', 'a boolean', o.idempotent);
  if (o.key !== undefined && typeof o.key !== 'string') return wrongOption('key', 'a string', o.key);
  if (o.correlationId !== undefined && typeof o.correlationId !== 'string')
    return wrongOption('correlationId', 'a string', o.correlationId);
  return undefined;
}

/**
 * One `execute` call: its options, its idempotency key, and the root scope
 * (the caller's signal).
 */
export class CallInfo implements Scope {
  readonly callerSignal: AbortSignal | undefined;
  readonly idempotentOption: boolean | undefined;
  readonly key: string | undefined;
  readonly correlationId: string | undefined;
  private idempotencyKeyValue: string | undefined = undefined;
  private neverSignal: AbortSignal | undefined = undefined;

  constructor(options: ExecuteOptions | undefined) {
    if (options === undefined) {
      this.callerSignal = undefined;
      this.idempotentOption = undefined;
      this.key = undefined;
      this.correlationId = undefined;
    } else {
      this.callerSignal = options.signal;
      this.idempotentOption = options.idempotent;
      this.key = options.key;
      this.correlationId = options.correlationId;
    }
  }

  get idempotencyKey(): string {
    return (this.idempotencyKeyValue ??= randomUuid());
  }

  get aborted(): boolean {
    return this.callerSignal !== undefined && this.callerSignal.aborted;
  }

  get canAbort(): boolean {
    return this.callerSignal !== undefined;
  }

  get reason(): unknown {
    return this.callerSignal?.reason;
  }

  get signal(): AbortSignal {
    return this.callerSignal ?? (this.neverSignal ??= new AbortController().signal);
  }

  subscribe(subscriber: AbortSubscriber): void {
    if (this.callerSignal !== undefined) subscribeToSignal(this.callerSignal, subscriber);
  }

  unsubscribe(subscriber: AbortSubscriber): void {
    if (this.callerSignal !== undefined) unsubscribeFromSignal(this.callerSignal, subscriber);
  }
}

/**
 * A scope that a policy can abort itself (a timeout, a hedge attempt). The
 * owner links it to its parent scope and unlinks it when the call settles.
 */
export class ChildScope implements Scope {
  aborted = false;
  readonly canAbort = true;
  reason: unknown = undefined;
  private controller: AbortController | undefined = undefined;
  private subscribers: AbortSubscriber[] | undefined = undefined;

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  subscribe(subscriber: AbortSubscriber): void {
    (this.subscribers ??= []).push(subscriber);
  }

  unsubscribe(subscriber: AbortSubscriber): void {
    const list = this.subscribers;
    if (list === undefined) return;
    const i = list.lastIndexOf(subscriber);
    if (i !== -1) list.splice(i, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const list = this.subscribers;
    if (list !== undefined && list.length > 0) {
      this.subscribers = undefined;
      for (const s of list) s.handleEvent();
    }
  }
}

/**
 * Marks this package's contexts, so that a pipeline recognises a context a
 * policy from another copy of the package hands back (no `instanceof`). The
 * key names a protocol version: change it when `CallContext`'s shape changes.
 */
export const CONTEXT_BRAND: unique symbol = Symbol.for('breakwater.context.v1') as never;

/** True for a {@link CallContext} from any copy of the package that speaks this protocol. */
export function isCallContext(value: unknown): value is CallContext {
  return (
    typeof value === 'object' && value !== null && (value as { [CONTEXT_BRAND]?: unknown })[CONTEXT_BRAND] === true
  );
}

/** The `Context` handed to the wrapped function; cheap to build, signal made on demand. */
export class CallContext implements Context {
  readonly call: CallInfo;
  readonly scope: Scope;
  readonly attempt: number;
  readonly idempotent: boolean;
  readonly deadline: number | undefined;

  constructor(call: CallInfo, scope: Scope, attempt: number, idempotent: boolean, deadline: number | undefined) {
    this.call = call;
    this.scope = scope;
    this.attempt = attempt;
    this.idempotent = idempotent;
    this.deadline = deadline;
  }

  get signal(): AbortSignal {
    return this.scope.signal;
  }

  get idempotencyKey(): string {
    return this.call.idempotencyKey;
  }

  get key(): string | undefined {
    return this.call.key;
  }

  get correlationId(): string | undefined {
    return this.call.correlationId;
  }

  /** A copy with another scope and deadline (a timeout or hedge attempt). */
  withScope(scope: Scope, deadline: number | undefined): CallContext {
    return new CallContext(this.call, scope, this.attempt, this.idempotent, deadline);
  }

  /** A copy for another attempt of a retry or hedge. */
  forAttempt(attempt: number, idempotent: boolean): CallContext {
    return new CallContext(this.call, this.scope, attempt, idempotent, this.deadline);
  }

  toJSON(): object {
    return {
      attempt: this.attempt,
      idempotent: this.idempotent,
      key: this.key,
      correlationId: this.correlationId,
      deadline: this.deadline,
    };
  }
}
// On the prototype: no per-context cost.
Object.defineProperty(CallContext.prototype, CONTEXT_BRAND, { value: true });
