import { afterEach, describe, expect, it, vi } from 'vitest';
import { circuitBreaker, retry, timeout } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function captureWarnings(): unknown[] {
  const warnings: unknown[] = [];
  vi.spyOn(process, 'emitWarning').mockImplementation((warning: unknown) => {
    warnings.push(warning);
  });
  return warnings;
}

function expectListenerWarning(warning: unknown, policy: string, event: string, cause: unknown): void {
  expect(warning).toBeInstanceOf(Error);
  const w = warning as Error & { code?: unknown };
  expect(w.name).toBe('BreakwaterListenerError');
  expect(w.code).toBe('BREAKWATER_LISTENER_ERROR');
  expect(w.message).toContain(policy);
  expect(w.message).toContain(event);
  expect(w.cause).toBe(cause);
}

describe('a throwing listener or callback is reported as BreakwaterListenerError', () => {
  it('names the policy and the event of a throwing listener, with its error as cause', async () => {
    const warnings = captureWarnings();
    const clock = new VirtualClock();
    const policy = timeout(10, { clock, name: 'inventory' });
    const boom = new Error('listener bug');
    policy.on('timeout', () => {
      throw boom;
    });
    const result = policy.execute(() => new Promise(() => {}));
    const settled = expect(result).rejects.toThrow('timed out');
    await clock.advance(10);
    await settled;
    expect(warnings).toHaveLength(1);
    expectListenerWarning(warnings[0], 'inventory', 'timeout', boom);
  });

  it('reports a throwing onDiscard with the policy and the callback named', async () => {
    const warnings = captureWarnings();
    const boom = new Error('discard bug');
    const policy = retry({
      name: 'orders',
      idempotent: true,
      retryOn: (o) => o.ok && o.value === 'bad',
      onDiscard: () => {
        throw boom;
      },
      backoff: () => 0,
    });
    let n = 0;
    await expect(policy.execute(() => (n++ === 0 ? 'bad' : 'good'))).resolves.toBe('good');
    expect(warnings.map((w) => (w as Error).message)).toHaveLength(1);
    expectListenerWarning(warnings[0], 'orders', 'onDiscard', boom);
  });

  it('reports a throwing failOn and treats it as false (the call counts as a success)', async () => {
    const warnings = captureWarnings();
    const boom = new Error('failOn bug');
    const breaker = circuitBreaker({
      name: 'db',
      window: { kind: 'consecutive', failures: 1 },
      failOn: () => {
        throw boom;
      },
    });
    await expect(breaker.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(breaker.state).toBe('closed');
    expect(warnings).toHaveLength(1);
    expectListenerWarning(warnings[0], 'db', 'failOn', boom);
  });

  it('reports a throwing retryOn and treats it as false (no retry)', async () => {
    const warnings = captureWarnings();
    const boom = new Error('retryOn bug');
    const policy = retry({
      name: 'r',
      idempotent: true,
      retryOn: () => {
        throw boom;
      },
      backoff: () => 0,
    });
    let calls = 0;
    await expect(
      policy.execute(() => {
        calls++;
        return Promise.reject(new Error('x'));
      }),
    ).rejects.toThrow('x');
    expect(calls).toBe(1);
    expect(warnings).toHaveLength(1);
    expectListenerWarning(warnings[0], 'r', 'retryOn', boom);
  });

  it('reports a throwing notExecuted and treats it as false (a non-idempotent call is not retried)', async () => {
    const warnings = captureWarnings();
    const boom = new Error('notExecuted bug');
    const policy = retry({
      name: 'n',
      notExecuted: () => {
        throw boom;
      },
      backoff: () => 0,
      warnNotIdempotent: false,
    });
    let calls = 0;
    await expect(
      policy.execute(() => {
        calls++;
        return Promise.reject(new Error('x'));
      }),
    ).rejects.toThrow('x');
    expect(calls).toBe(1);
    expect(warnings).toHaveLength(1);
    expectListenerWarning(warnings[0], 'n', 'notExecuted', boom);
  });

  it('falls back to console.error with the same warning where process.emitWarning does not exist', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const emit = process.emitWarning;
    (process as { emitWarning?: unknown }).emitWarning = undefined;
    try {
      const boom = new Error('listener bug');
      const clock = new VirtualClock();
      const p = timeout(10, { clock, name: 'browserish' });
      p.on('timeout', () => {
        throw boom;
      });
      const r = p.execute(() => new Promise(() => {}));
      const settled = expect(r).rejects.toThrow();
      await clock.advance(10);
      await settled;
    } finally {
      process.emitWarning = emit;
    }
    expect(spy).toHaveBeenCalledTimes(1);
    expectListenerWarning(
      spy.mock.calls[0]?.[0],
      'browserish',
      'timeout',
      spy.mock.calls[0]?.[0] && (spy.mock.calls[0][0] as Error).cause,
    );
  });
});
