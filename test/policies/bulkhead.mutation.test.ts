// Tests that pin behaviour mutation testing found unpinned.
import { describe, expect, it } from 'vitest';
import { bulkhead, pipeline, timeout, TimeoutError } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { gate } from '../support/async.js';

describe('bulkhead mutation', () => {
  it('accepts the longest queueTimeout a timer can take (2,147,483,647 ms)', () => {
    expect(bulkhead({ maxConcurrent: 1, queueTimeout: 2_147_483_647 }).queueTimeout).toBe(2_147_483_647);
  });

  it('a queued call whose caller aborts emits no rejected event', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 1_000, clock });
    const reasons: string[] = [];
    b.on('rejected', (e) => reasons.push(e.reason));
    const g = gate();
    const running = b.execute(g.fn);
    const controller = new AbortController();
    const reason = new Error('caller gone');
    const queued = b.execute(() => 'x', { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(reason);
    expect(await queued).toBe(reason);
    expect(reasons).toEqual([]);
    expect(b.queued).toBe(0);
    expect(clock.pending).toBe(0);
    g.release();
    await running;
  });

  it('a queued call under a cooperative timeout leaves the queue and settles when the timeout aborts its scope', async () => {
    const clock = new VirtualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1, clock });
    const reasons: string[] = [];
    b.on('rejected', (e) => reasons.push(e.reason));
    const g = gate();
    const running = b.execute(g.fn);
    const policy = pipeline(timeout(50, { clock, strategy: 'cooperative' }), b);
    let ran = false;
    const result = policy
      .execute(() => {
        ran = true;
      })
      .catch((e: unknown) => e);
    await clock.advance(50);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(ran).toBe(false);
    expect(b.queued).toBe(0);
    expect(reasons).toEqual([]);
    g.release();
    await running;
  });
});
