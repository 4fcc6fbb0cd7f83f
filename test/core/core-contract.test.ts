/**
 * Edges of the core contract that the policies' own tests rarely reach: the
 * idempotency key without Web Crypto, scopes, listener error reporting,
 * timer delays and the error guards.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallContext, CallInfo, ChildScope } from '../../src/core/context.js';
import { provesNotExecuted } from '../../src/core/errors.js';
import { reportListenerError } from '../../src/core/events.js';
import { MAX_TIMER_MS, timerDelay } from '../../src/core/timer-delay.js';
import {
  BreakwaterError,
  BrokenCircuitError,
  BulkheadRejectedError,
  IsolatedCircuitError,
  isBreakwaterError,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isIsolatedCircuitError,
  isRateLimitedError,
  pipeline,
  RateLimitedError,
  TimeoutError,
  timeout,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('idempotency keys', () => {
  it('uses crypto.randomUUID when there is one, once per call', () => {
    const call = new CallInfo(undefined);
    expect(call.idempotencyKey).toMatch(UUID);
    expect(call.idempotencyKey).toBe(call.idempotencyKey);
    expect(new CallInfo(undefined).idempotencyKey).not.toBe(call.idempotencyKey);
  });

  it('builds an RFC 4122 version 4 key without Web Crypto', () => {
    vi.stubGlobal('crypto', undefined);
    const keys = Array.from({ length: 50 }, () => new CallInfo({}).idempotencyKey);
    for (const key of keys) expect(key).toMatch(UUID);
    expect(new Set(keys).size).toBe(50);
    vi.stubGlobal('crypto', {});
    expect(new CallInfo({}).idempotencyKey).toMatch(UUID);
  });
});

describe('CallInfo and CallContext', () => {
  it('reads the options, and gives a never-aborting signal when the caller gave none', () => {
    const call = new CallInfo(undefined);
    expect([call.callerSignal, call.idempotentOption, call.key, call.correlationId, call.aborted, call.reason]).toEqual(
      [undefined, undefined, undefined, undefined, false, undefined],
    );
    const signal = call.signal;
    expect(signal.aborted).toBe(false);
    expect(call.signal).toBe(signal);
    const controller = new AbortController();
    const withSignal = new CallInfo({ signal: controller.signal, idempotent: true, key: 'k', correlationId: 'c' });
    expect(withSignal.signal).toBe(controller.signal);
    controller.abort('why');
    expect([
      withSignal.aborted,
      withSignal.reason,
      withSignal.idempotentOption,
      withSignal.key,
      withSignal.correlationId,
    ]).toEqual([true, 'why', true, 'k', 'c']);
  });

  it('subscribes to and unsubscribes from the caller signal', () => {
    const controller = new AbortController();
    const call = new CallInfo({ signal: controller.signal });
    let heard = 0;
    const sub = { handleEvent: () => heard++ };
    call.subscribe(sub);
    call.unsubscribe(sub);
    controller.abort();
    expect(heard).toBe(0);
    new CallInfo(undefined).subscribe(sub); // no signal: nothing to do, no throw
    new CallInfo(undefined).unsubscribe(sub);
  });

  it('serialises the context without its signal', () => {
    const call = new CallInfo({ key: 'k', correlationId: 'c' });
    const ctx = new CallContext(call, call, 2, true, 99);
    expect(JSON.parse(JSON.stringify(ctx))).toEqual({
      attempt: 2,
      idempotent: true,
      key: 'k',
      correlationId: 'c',
      deadline: 99,
    });
    expect(ctx.forAttempt(3, false)).toMatchObject({ attempt: 3, idempotent: false, deadline: 99 });
    const scope = new ChildScope();
    expect(ctx.withScope(scope, 5)).toMatchObject({ scope, attempt: 2, deadline: 5 });
  });
});

describe('ChildScope', () => {
  it('aborts once, notifies each subscriber once, in order, and its signal carries the reason', () => {
    const scope = new ChildScope();
    const heard: string[] = [];
    const a = { handleEvent: () => heard.push('a') };
    const b = { handleEvent: () => heard.push('b') };
    const c = { handleEvent: () => heard.push('c') };
    scope.unsubscribe(a); // nothing subscribed yet
    scope.subscribe(a);
    scope.subscribe(b);
    scope.subscribe(c);
    scope.unsubscribe(b);
    scope.unsubscribe(b); // unknown now: the others stay
    scope.abort('r1');
    scope.abort('r2');
    expect(heard).toEqual(['a', 'c']);
    expect([scope.aborted, scope.reason]).toEqual([true, 'r1']);
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toBe('r1');
  });

  it('builds its signal once, and aborts it later', () => {
    const scope = new ChildScope();
    const signal = scope.signal;
    expect(scope.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    scope.abort('late');
    expect(signal.reason).toBe('late');
    expect(scope.signal).toBe(signal);
  });

  it('aborts with no subscriber left', () => {
    const scope = new ChildScope();
    const a = {
      handleEvent: () => {
        throw new Error('must not run');
      },
    };
    scope.subscribe(a);
    scope.unsubscribe(a);
    expect(() => scope.abort('x')).not.toThrow();
  });
});

describe('reportListenerError', () => {
  it('reports through process.emitWarning a BreakwaterListenerError naming the policy and the event, the error as cause', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const error = new Error('listener broke');
    reportListenerError(error, 'orders', 'stateChange');
    const warning = spy.mock.calls[0]?.[0] as Error & { code?: string };
    expect(spy.mock.calls[0]).toHaveLength(1);
    expect(warning).toBeInstanceOf(Error);
    expect(warning.name).toBe('BreakwaterListenerError');
    expect(warning.code).toBe('BREAKWATER_LISTENER_ERROR');
    expect(warning.message).toBe('breakwater: a listener of "stateChange" on policy "orders" threw: listener broke');
    expect(warning.cause).toBe(error);
    reportListenerError('text', 'p', 'e');
    expect((spy.mock.calls[1]?.[0] as Error).message).toBe('breakwater: a listener of "e" on policy "p" threw: text');
  });

  it('falls back to console.error where there is no emitWarning, and never throws', () => {
    vi.stubGlobal('process', {});
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const error = new Error('x');
    reportListenerError(error, 'p', 'e');
    const warning = spy.mock.calls[0]?.[0] as Error;
    expect(warning.name).toBe('BreakwaterListenerError');
    expect(warning.cause).toBe(error);
    vi.unstubAllGlobals();
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {
      throw new Error('reporting failed');
    });
    expect(() => reportListenerError(error, 'p', 'e')).not.toThrow();
  });

  it('does not let a throwing listener change the call, and off() removes it', async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const policy = timeout(1);
    let calls = 0;
    const listener = (): void => {
      calls++;
      throw new Error('bad listener');
    };
    policy.on('timeout', listener);
    await expect(policy.execute(() => new Promise(() => {}))).rejects.toBeInstanceOf(TimeoutError);
    policy.off('timeout', listener);
    await expect(policy.execute(() => new Promise(() => {}))).rejects.toBeInstanceOf(TimeoutError);
    expect(calls).toBe(1);
  });
});

describe('timerDelay', () => {
  it('accepts delays up to the platform limit and names the option otherwise', () => {
    expect(timerDelay('hedge', 'delay', 0, false)).toBe(0);
    expect(timerDelay('hedge', 'delay', MAX_TIMER_MS, false)).toBe(MAX_TIMER_MS);
    expect(timerDelay('bulkhead', 'queueTimeout', 1, true)).toBe(1);
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
    expect(() => timerDelay('bulkhead', 'queueTimeout', 0, true)).toThrow(
      'bulkhead: queueTimeout must be a positive finite number of milliseconds at most 2147483647, got 0',
    );
    expect(() => timerDelay('hedge', 'delay', -1, false)).toThrow(
      'hedge: delay must be a non-negative finite number of milliseconds at most 2147483647, got -1',
    );
    expect(() => timerDelay('hedge', 'delay', MAX_TIMER_MS + 1, false)).toThrow(RangeError);
    expect(() => timerDelay('hedge', 'delay', NaN, false)).toThrow(RangeError);
    expect(() => timerDelay('hedge', 'delay', '5', false)).toThrow(TypeError);
  });
});

describe('error guards', () => {
  it('provesNotExecuted only for executed === false', () => {
    expect(provesNotExecuted(new BrokenCircuitError(5))).toBe(true);
    expect(provesNotExecuted({ executed: false })).toBe(true);
    expect(provesNotExecuted(new TimeoutError(5))).toBe(false);
    expect(provesNotExecuted({ executed: 0 })).toBe(false);
    expect(provesNotExecuted({})).toBe(false);
    expect(provesNotExecuted(null)).toBe(false);
    expect(provesNotExecuted(false)).toBe(false);
  });

  it('isBreakwaterError refuses objects without the brand', () => {
    expect(isBreakwaterError(new TimeoutError(1))).toBe(true);
    expect(isBreakwaterError({})).toBe(false);
    expect(isBreakwaterError({ [Symbol.for('breakwater.error')]: 'Stryker was here!' })).toBe(false);
    expect(isBreakwaterError({ [Symbol.for('breakwater.error')]: 'TimeoutError' })).toBe(true);
    expect(isBreakwaterError(null)).toBe(false);
  });
});

describe('error classes', () => {
  it('carry their message, executed flag and brand', async () => {
    const base = new BreakwaterError('m', true);
    expect([base.message, base.executed, base.name, isBreakwaterError(base)]).toEqual([
      'm',
      true,
      'BreakwaterError',
      true,
    ]);
    const broken = new BrokenCircuitError(7);
    expect([
      broken.message,
      broken.executed,
      broken.retryAfter,
      isBrokenCircuitError(broken),
      isRateLimitedError(broken),
    ]).toEqual(['circuit is open', false, 7, true, false]);
    const full = new BulkheadRejectedError('full');
    const queued = new BulkheadRejectedError('queueTimeout');
    expect([full.message, full.executed, full.reason, isBulkheadRejectedError(full)]).toEqual([
      'bulkhead is full',
      false,
      'full',
      true,
    ]);
    expect([queued.message, queued.reason]).toEqual(['bulkhead queue timeout', 'queueTimeout']);
    const limited = new RateLimitedError(3);
    expect([
      limited.message,
      limited.executed,
      limited.retryAfter,
      isRateLimitedError(limited),
      isBulkheadRejectedError(limited),
    ]).toEqual(['rate limit exceeded', false, 3, true, false]);
    const isolated = new IsolatedCircuitError();
    expect([isolated.executed, isIsolatedCircuitError(isolated), isBrokenCircuitError(isolated)]).toEqual([
      false,
      true,
      false,
    ]);
  });
});

describe('pipeline and execute validation', () => {
  it('rejects a non-function with the policy name, and a non-policy argument by position', async () => {
    await expect(pipeline().execute(5 as never)).rejects.toThrow('pipeline: execute expects a function, got number');
    await expect(timeout(1, { name: 'db' }).execute('x' as never)).rejects.toThrow(
      'db: execute expects a function, got string',
    );
    expect(() => pipeline(timeout(1), null as never)).toThrow(
      'pipeline: argument 2 must be a policy (an object with execute), got null',
    );
    expect(() => pipeline(timeout(1), {} as never)).toThrow('pipeline: argument 2 must be a policy');
    expect(() => pipeline(5 as never)).toThrow(
      'pipeline: argument 1 must be a policy (an object with execute), got number',
    );
  });

  it('keeps a frozen copy of its policies', async () => {
    const list = [timeout(1), timeout(2)];
    const p = pipeline(...list);
    list.pop();
    expect(p.policies).toHaveLength(2);
    expect(Object.isFrozen(p.policies)).toBe(true);
  });

  it('runs the last policy with the function itself, and every policy in order', async () => {
    const order: string[] = [];
    const outside = {
      execute: <T>(fn: (ctx: never) => T) => (order.push('foreign'), Promise.resolve(fn({} as never))),
    };
    const p = pipeline(timeout(100), outside as never, timeout(50));
    await expect(p.execute((ctx) => ctx.deadline)).resolves.toBeTypeOf('number');
    expect(order).toEqual(['foreign']);
  });
});

describe('events carry the call fields', () => {
  it('puts policy, key, correlationId and at on every payload, frozen', async () => {
    const clock = new VirtualClock(10);
    const policy = timeout(5, { name: 't', clock });
    const seen: unknown[] = [];
    policy.on('timeout', (e) => seen.push(e));
    const p = policy.execute(() => new Promise(() => {}), { key: 'k', correlationId: 'c' }).catch(() => {});
    await clock.advance(5);
    await p;
    expect(seen).toEqual([{ ms: 5, policy: 't', key: 'k', correlationId: 'c', at: 15 }]);
    expect(Object.isFrozen(seen[0])).toBe(true);
  });
});
