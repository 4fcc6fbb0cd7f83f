import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { EventEmitter } from 'eventemitter3';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bulkhead,
  circuitBreaker,
  constant,
  type Context,
  DEFAULT_EVENT_LEVEL,
  DEFAULT_EVENT_LEVELS,
  type EventLogger,
  type EventRecord,
  type ExecuteOptions,
  fallback,
  keyed,
  logEvents,
  pipeline,
  type Policy,
  retry,
  timeout,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { flush } from '../support/async.js';

/** A stream that keeps what is written to it, line by line. */
class Lines extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    done();
  }
  get lines(): string[] {
    return this.chunks
      .join('')
      .split('\n')
      .filter((l) => l.length > 0);
  }
  json(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** A logger of bunyan's shape (a method per level taking `(fields, msg)`), keeping every call. */
function bunyanShaped(): EventLogger & { calls: Array<{ level: string; record: EventRecord; msg: string }> } {
  const calls: Array<{ level: string; record: EventRecord; msg: string }> = [];
  const at = (level: string) => (record: EventRecord, msg: string) => void calls.push({ level, record, msg });
  return {
    calls,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
  };
}

const EVENT_NAMES = [
  'timeout',
  'attempt',
  'retry',
  'giveUp',
  'retryBlocked',
  'stateChange',
  'success',
  'failure',
  'rejected',
  'created',
  'evicted',
  'fallback',
  'dequeued',
  'settled',
];

/** How many listeners each policy has for each event: what detach() must restore. */
function listenerCounts(policies: ReadonlyArray<{ listenerCount(event: never): number }>): number[][] {
  return policies.map((p) => EVENT_NAMES.map((e) => p.listenerCount(e as never)));
}

function failing(message = 'boom', code = 'ECONNRESET'): () => never {
  return () => {
    throw Object.assign(new Error(message), { code });
  };
}

const warnings: Error[] = [];
const onWarning = (w: Error): void => void warnings.push(w);
afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('logEvents', () => {
  it("writes one pino JSON line per event, with the call's correlationId; an opening breaker at warn, the probe that closes it at info", async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({
      name: 'payments',
      window: { kind: 'consecutive', failures: 1 },
      openFor: 1_000,
      clock,
    });
    const retries = retry({ name: 'payments-retry', maxAttempts: 2, backoff: constant(0), idempotent: true });
    const policy = pipeline(retries, breaker, timeout(500, { clock }));
    const out = new Lines();
    const logger = pino({ level: 'debug', base: undefined }, out);

    const seen: string[] = [];
    for (const p of [breaker, retries] as Array<{
      on(event: string, fn: (e: { correlationId?: string }) => void): unknown;
    }>) {
      for (const event of [
        'attempt',
        'retry',
        'giveUp',
        'retryBlocked',
        'stateChange',
        'success',
        'failure',
        'rejected',
      ]) {
        p.on(event, (e) => seen.push(`${event} ${String(e.correlationId)}`));
      }
    }
    policy.on('settled', (e) => seen.push(`settled ${String(e.correlationId)}`));
    const log = logEvents(policy, logger);

    // The first attempt fails and opens the breaker; the retry meets the open breaker.
    await expect(policy.execute(failing(), { correlationId: 'req-1', key: 'k' })).rejects.toMatchObject({
      name: 'BrokenCircuitError',
    });
    await clock.advance(1_000);
    await expect(policy.execute(() => 'ok', { correlationId: 'req-2' })).resolves.toBe('ok');
    await flush();

    const lines = out.json();
    expect(lines.map((l) => `${String(l.event)} ${String(l.correlationId)}`)).toEqual(seen);
    expect(seen.filter((e) => e.endsWith('req-1')).length).toBeGreaterThanOrEqual(5);
    expect(seen.filter((e) => e.endsWith('req-2')).length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(typeof line.msg).toBe('string');
    const opened = lines.find((l) => l.event === 'stateChange' && l.to === 'open');
    expect(opened).toMatchObject({
      level: 40, // pino's warn
      policy: 'payments',
      kind: 'circuitBreaker',
      event: 'stateChange',
      key: 'k',
      correlationId: 'req-1',
      from: 'closed',
      to: 'open',
      reason: 'consecutiveFailures',
      msg: 'circuitBreaker payments stateChange closed -> open (consecutiveFailures)',
    });
    expect(typeof opened?.at).toBe('number');
    const closed = lines.find((l) => l.event === 'stateChange' && l.to === 'closed');
    expect(closed).toMatchObject({ level: 30, correlationId: 'req-2', from: 'halfOpen', reason: 'probesSucceeded' });
    const failure = lines.find((l) => l.event === 'failure');
    expect(failure).toMatchObject({
      level: 20,
      correlationId: 'req-1',
      error: { name: 'Error', message: 'boom', code: 'ECONNRESET' },
    });
    expect(failure).not.toHaveProperty('error.stack');
    log.detach();
  });

  it('builds no record for a level pino turns down', async () => {
    const out = new Lines();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 } });
    logEvents(breaker, pino({ level: 'info', base: undefined }, out));
    await breaker.execute(failing()).catch(() => undefined);
    await flush();
    expect(out.json().map((l) => [l.event, l.level])).toEqual([['stateChange', 40]]);
  });

  it('hands a bunyan-shaped logger (record, message) with errors reduced and values left out', async () => {
    const logger = bunyanShaped();
    const retries = retry({
      maxAttempts: 2,
      backoff: constant(0),
      retryOn: (o) => o.ok && o.value === 'bad',
      idempotent: true,
    });
    const policy = pipeline(fallback('spare'), retries);
    logEvents(policy, logger);
    let n = 0;
    await policy.execute(() => (++n === 1 ? 'bad' : 'good'), { correlationId: 'c-7' });
    await policy.execute(failing('nope', 'EPIPE'));
    const records = logger.calls.map((c) => c.record);
    expect(records.find((r) => r.event === 'retry')).toMatchObject({
      kind: 'retry',
      correlationId: 'c-7',
      attempt: 1,
      delay: 0,
      outcome: { ok: true },
    });
    expect(records.find((r) => r.event === 'retry')?.outcome).toEqual({ ok: true });
    expect(records.find((r) => r.event === 'fallback')).toMatchObject({
      policy: 'fallback',
      kind: 'fallback',
      correlationId: undefined,
      outcome: { ok: false, error: { name: 'Error', message: 'nope', code: 'EPIPE' } },
    });
    expect(
      logger.calls.every(
        (c) => c.level === 'debug' && c.msg.startsWith(`${c.record.kind} ${c.record.policy} ${c.record.event}`),
      ),
    ).toBe(true);
    const first = records[0] as EventRecord;
    expect(Object.keys(first).slice(0, 6)).toEqual(['policy', 'kind', 'event', 'key', 'correlationId', 'at']);
  });

  it('writes to console (a Console on a stream)', async () => {
    const stdout = new Lines();
    const stderr = new Lines();
    const logger = new Console({ stdout, stderr });
    const breaker = circuitBreaker({ name: 'db', window: { kind: 'consecutive', failures: 1 } });
    const log = logEvents(breaker, logger);
    await breaker.execute(failing()).catch(() => undefined);
    expect(stderr.chunks.join('')).toContain("event: 'stateChange'");
    expect(stderr.chunks.join('')).toContain('circuitBreaker db stateChange closed -> open (consecutiveFailures)');
    expect(stdout.chunks.join('')).toContain("event: 'failure'");
    log.detach();
  });

  it('a logger that throws never changes a call or a state: the error is reported as a listener error', async () => {
    process.on('warning', onWarning);
    const thrown = new Error('logger down');
    const logger: EventLogger = {
      debug: () => {
        throw thrown;
      },
      info: () => undefined,
      warn: () => {
        throw thrown;
      },
    };
    const breaker = circuitBreaker({ name: 'orders', window: { kind: 'consecutive', failures: 1 } });
    const error = Object.assign(new Error('dependency'), { code: 'X' });
    logEvents(breaker, logger);
    await expect(breaker.execute(() => Promise.reject(error))).rejects.toBe(error);
    expect(breaker.state).toBe('open');
    await expect(breaker.execute(() => 'never')).rejects.toMatchObject({ name: 'BrokenCircuitError' });
    await flush();
    expect(warnings.length).toBe(3); // failure, stateChange, rejected
    const [first] = warnings;
    expect(first).toMatchObject({ name: 'BreakwaterListenerError', code: 'BREAKWATER_LISTENER_ERROR', cause: thrown });
    expect(warnings.map((w) => w.message)).toEqual([
      'logEvents: the logger threw on event failure of orders',
      'logEvents: the logger threw on event stateChange of orders',
      'logEvents: the logger threw on event rejected of orders',
    ]);
  });

  it('detach() leaves every listener count as it was, pools made since included', async () => {
    const clock = new VirtualClock();
    const made: Array<{ listenerCount(event: never): number }> = [];
    const pools = keyed(
      () => {
        const p = circuitBreaker({ clock });
        made.push(p);
        return p;
      },
      { clock },
    );
    const breaker = circuitBreaker({ clock });
    const retries = retry({ clock });
    const policy = pipeline(retries, breaker, bulkhead({ maxConcurrent: 2 }), pools);
    await policy.execute(() => 1, { key: 'before' });
    const own = () => {
      /* someone else's */
    };
    breaker.on('stateChange', own);
    pools.on('created', own);
    const existing = [retries, breaker, pools, made[0] as { listenerCount(event: never): number }];
    const before = listenerCounts(existing);

    const log = logEvents(policy, bunyanShaped());
    expect(listenerCounts(existing)).not.toEqual(before);
    await policy.execute(() => 2, { key: 'after' });
    const later = made[1] as { listenerCount(event: never): number };
    expect(later.listenerCount('success' as never)).toBe(1);
    log.detach();
    log.detach();

    expect(listenerCounts(existing)).toEqual(before);
    expect(listenerCounts([later])).toEqual([EVENT_NAMES.map(() => 0)]);
  });

  it('follows a keyed policy: logs the pools made after it attached, and lets an evicted pool go', async () => {
    const clock = new VirtualClock();
    const made = new Map<string, ReturnType<typeof circuitBreaker>>();
    const pools = keyed(
      (key) => {
        const p = circuitBreaker({ name: `breaker-${key}`, clock, window: { kind: 'consecutive', failures: 1 } });
        made.set(key, p);
        return p;
      },
      { name: 'hosts', maxKeys: 1, clock },
    );
    const logger = bunyanShaped();
    logEvents(pools, logger);
    await pools.execute(failing(), { key: 'a', correlationId: 'r1' }).catch(() => undefined);
    expect(logger.calls.map((c) => `${c.record.policy} ${c.record.event}`)).toEqual([
      'hosts created',
      'breaker-a failure',
      'breaker-a stateChange',
    ]);
    expect(logger.calls[0]?.record).toMatchObject({
      key: 'a',
      correlationId: 'r1',
      pool: { name: 'breaker-a', kind: 'circuitBreaker' },
    });
    const a = made.get('a');
    expect(a?.listenerCount('stateChange')).toBe(1);
    await pools.execute(() => 1, { key: 'b' });
    expect(a?.listenerCount('stateChange')).toBe(0);
    expect(a?.listenerCount('failure')).toBe(0);
    expect(made.get('b')?.listenerCount('success')).toBe(1);
    expect(logger.calls.slice(3).map((c) => `${c.record.policy} ${c.record.event} ${String(c.record.key)}`)).toEqual([
      'hosts evicted a',
      'hosts created b',
      'breaker-b success b',
    ]);
  });

  it('levels: kind.event beats event, beats the defaults; false does not even listen; a function picks per record', async () => {
    expect(DEFAULT_EVENT_LEVEL).toBe('debug');
    expect(Object.keys(DEFAULT_EVENT_LEVELS)).toEqual([
      'circuitBreaker.stateChange',
      'retry.retryBlocked',
      'store.degraded',
      'store.restored',
    ]);
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openFor: 10, clock });
    const logger = bunyanShaped();
    logEvents(breaker, logger, {
      levels: {
        'circuitBreaker.failure': 'error',
        failure: 'trace',
        rejected: 'info',
        success: false,
        stateChange: (r) => (r.to === 'halfOpen' ? false : 'fatal'),
      },
    });
    expect(breaker.listenerCount('success')).toBe(0);
    await breaker.execute(failing()).catch(() => undefined);
    await breaker.execute(() => 1).catch(() => undefined);
    await clock.advance(10);
    await breaker.execute(() => 1);
    expect(logger.calls.map((c) => `${c.record.event}:${c.level}`)).toEqual([
      'failure:error',
      'stateChange:fatal',
      'rejected:info',
      'stateChange:fatal',
    ]);
  });

  it("keeps retry's not-idempotent block visible at info, others at debug", async () => {
    const logger = bunyanShaped();
    const retries = retry({ backoff: constant(0) });
    logEvents(retries, logger);
    await retries.execute(failing()).catch(() => undefined);
    expect(
      logger.calls.filter((c) => c.record.event === 'retryBlocked').map((c) => [c.level, c.record.reason]),
    ).toEqual([['info', 'not-idempotent']]);
  });

  it("logs a shared store reached through a policy's store: degraded at warn, restored at info, once for a store two policies share", () => {
    const store = Object.assign(new EventEmitter(), { name: 'redis', degraded: false });
    const withStore = (name: string): Policy & { kind: string; name: string; store: typeof store } => ({
      kind: 'rateLimit',
      name,
      store,
      execute: <T>(fn: (ctx: Context) => T | PromiseLike<T>, _o?: ExecuteOptions) =>
        Promise.resolve(fn({} as Context)) as Promise<Awaited<T>>,
    });
    const logger = bunyanShaped();
    const log = logEvents(pipeline(withStore('a'), withStore('b')), logger);
    store.emit('degraded', { policy: 'redis', error: new TypeError('ECONNREFUSED'), at: 5 });
    store.emit('restored', { at: 6 });
    expect(logger.calls.map((c) => [c.level, c.record.kind, c.record.policy, c.record.event, c.record.error])).toEqual([
      ['warn', 'store', 'redis', 'degraded', { name: 'TypeError', message: 'ECONNREFUSED' }],
      ['info', 'store', 'redis', 'restored', undefined],
    ]);
    log.detach();
    expect(store.listenerCount('degraded')).toBe(0);
  });

  it('rejects a target that is not a policy, a logger without the methods it needs, bad levels and unknown options', () => {
    const logger = bunyanShaped();
    expect(() => logEvents({} as Policy, logger)).toThrow(
      new TypeError('logEvents: target must be a breakwater policy (an object with kind and name), got an object'),
    );
    expect(() => logEvents(timeout(1), null as never)).toThrow(TypeError);
    expect(() => logEvents(timeout(1), { debug: () => undefined, info: () => undefined } as EventLogger)).toThrow(
      new TypeError('logEvents: logger.warn must be a function, got undefined'),
    );
    const { calls: _calls, ...noTrace } = { ...logger, trace: undefined };
    expect(() => logEvents(timeout(1), noTrace, { levels: { timeout: 'trace' } })).toThrow(
      new TypeError('logEvents: logger.trace must be a function, got undefined'),
    );
    expect(() => logEvents(timeout(1), logger, { levels: { timeout: 'loud' as never } })).toThrow(
      new RangeError(
        'logEvents: levels["timeout"] must be one of "trace", "debug", "info", "warn", "error", "fatal", false or a function, got "loud"',
      ),
    );
    expect(() => logEvents(timeout(1), logger, { levels: { timeout: true as never } })).toThrow(TypeError);
    expect(() => logEvents(timeout(1), logger, { levels: [] as never })).toThrow(
      new TypeError('logEvents: levels must be an object, got an array'),
    );
    expect(() => logEvents(timeout(1), logger, { level: 'info' } as never)).toThrow(
      new TypeError('logEvents: unknown option level (known: levels)'),
    );
  });
});
