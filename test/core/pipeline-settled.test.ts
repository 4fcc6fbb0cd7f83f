import { describe, expect, it } from 'vitest';
import {
  bulkhead,
  DEFAULT_PIPELINE_NAME,
  pipeline,
  type PipelineEvents,
  timeout,
  TimeoutError,
} from '../../src/index.js';
import type { EventBase } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { deferred, flush } from '../support/async.js';

type Settled = PipelineEvents['settled'] & EventBase;

describe('pipeline: names and the settled event', () => {
  it('is named "pipeline" by default, and by a leading options object', () => {
    expect(DEFAULT_PIPELINE_NAME).toBe('pipeline');
    expect(pipeline().name).toBe('pipeline');
    const t = timeout(10);
    const named = pipeline({ name: 'users' }, t);
    expect(named.name).toBe('users');
    expect(named.policies).toEqual([t]);
    expect(pipeline({}).policies).toEqual([]);
  });

  it('rejects bad options naming them, and unknown keys', () => {
    expect(() => pipeline({ name: '' })).toThrow(/pipeline: name must be a non-empty string, got ""/);
    expect(() => pipeline({ clock: {} as never })).toThrow(TypeError);
    expect(() => pipeline({ nmae: 'x' } as never)).toThrow(/pipeline: unknown option nmae/);
    expect(() => pipeline({ name: 'p' }, 5 as never)).toThrow(/p: argument 2 must be a policy/);
  });

  it('emits settled once per call with the whole call duration, the outcome and the call fields', async () => {
    const clock = new VirtualClock();
    const p = pipeline({ name: 'orders', clock }, timeout(1_000, { clock }));
    const events: Settled[] = [];
    p.on('settled', (e) => events.push(e));
    const d = deferred<string>();
    const call = p.execute(() => d.promise, { key: 'k', correlationId: 'c-1' });
    await clock.advance(40);
    d.resolve('v');
    await expect(call).resolves.toBe('v');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ policy: 'orders', key: 'k', correlationId: 'c-1', durationMs: 40, at: 40 });
    expect(events[0]?.outcome).toEqual({ ok: true, value: 'v' });
    expect(Object.isFrozen(events[0])).toBe(true);

    const late = p.execute(() => new Promise<never>(() => undefined));
    await clock.advance(1_000);
    await expect(late).rejects.toBeInstanceOf(TimeoutError);
    await flush();
    expect(events).toHaveLength(2);
    expect(events[1]?.durationMs).toBe(1_000);
    expect(events[1]?.outcome.ok).toBe(false);
  });

  it('reports what the caller saw: a caller abort settles it at the abort', async () => {
    const clock = new VirtualClock();
    const p = pipeline({ clock }, bulkhead({ maxConcurrent: 1 }));
    const events: Settled[] = [];
    p.on('settled', (e) => events.push(e));
    const controller = new AbortController();
    const call = p.execute(() => new Promise<never>(() => undefined), { signal: controller.signal });
    await clock.advance(5);
    controller.abort('stop');
    await expect(call).rejects.toBe('stop');
    await flush();
    expect(events).toHaveLength(1);
    expect(events[0]?.outcome).toEqual({ ok: false, error: 'stop' });
    expect(events[0]?.durationMs).toBe(5);
  });

  it('emits from a nested pipeline too, and nothing is measured while nobody listens', async () => {
    const clock = new VirtualClock();
    let reads = 0;
    const counting = {
      now: () => (reads++, clock.now()),
      setTimeout: clock.setTimeout.bind(clock),
      clearTimeout: clock.clearTimeout.bind(clock),
    };
    const inner = pipeline({ name: 'inner', clock: counting });
    const outer = pipeline({ name: 'outer', clock: counting }, inner);
    await outer.execute(() => 1);
    expect(reads).toBe(0);
    const names: string[] = [];
    inner.on('settled', (e) => names.push(e.policy));
    outer.on('settled', (e) => names.push(e.policy));
    await outer.execute(() => 1);
    await flush();
    expect(names).toEqual(['inner', 'outer']);
  });

  it('a throwing settled listener changes nothing', async () => {
    const p = pipeline({ name: 'p' });
    p.on('settled', () => {
      throw new Error('listener');
    });
    await expect(p.execute(() => 'ok')).resolves.toBe('ok');
  });
});
