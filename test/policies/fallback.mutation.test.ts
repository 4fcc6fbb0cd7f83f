// Tests that pin behaviour mutation testing found unpinned.
import { describe, expect, it } from 'vitest';
import { fallback } from '../../src/index.js';

describe('fallback mutation', () => {
  it('a rejection with undefined, with no abort, gets the fallback', async () => {
    const policy = fallback('fallback value');
    await expect(policy.execute(() => Promise.reject(undefined))).resolves.toBe('fallback value');
  });

  it('an error that is not the abort reason gets the fallback even after the caller aborted', async () => {
    // The caller's promise rejects with the reason; what the policy did is seen through `on`.
    const seen: unknown[] = [];
    const policy = fallback('fb', {
      on: (o) => {
        seen.push(o.ok ? o.value : o.error);
        return !o.ok;
      },
    });
    const controller = new AbortController();
    const own = new Error('own');
    let rejectInner!: (e: unknown) => void;
    const result = policy
      .execute(() => new Promise((_r, reject) => (rejectInner = reject)), { signal: controller.signal })
      .catch((e: unknown) => e);
    controller.abort(new Error('gone'));
    rejectInner(own);
    expect(((await result) as Error).message).toBe('gone');
    await Promise.resolve();
    expect(seen).toEqual([own]);
  });
});
