import { describe, expectTypeOf, it } from 'vitest';
import {
  fallback,
  type FallbackPolicy,
  type Outcome,
  pipeline,
  type Policy,
  type Context,
  timeout,
} from '../../src/index.js';

describe('fallback types', () => {
  it('execute resolves with the function value or the fallback value', () => {
    expectTypeOf(fallback(0).execute(() => 'a')).toEqualTypeOf<Promise<string | number>>();
    expectTypeOf(fallback(null).execute(async () => ({ id: 1 }))).toEqualTypeOf<Promise<{ id: number } | null>>();
  });

  it('infers F from the function form, awaited', () => {
    expectTypeOf(fallback(async () => [] as string[])).toEqualTypeOf<FallbackPolicy<string[]>>();
    expectTypeOf(fallback((outcome: Outcome, ctx: Context) => (outcome.ok ? ctx.attempt : -1))).toEqualTypeOf<
      FallbackPolicy<number>
    >();
    expectTypeOf(fallback(() => 'x').execute(() => 1)).toEqualTypeOf<Promise<number | string>>();
  });

  it('the function form receives the outcome and the context', () => {
    fallback((outcome, ctx) => {
      expectTypeOf(outcome).toEqualTypeOf<Outcome>();
      expectTypeOf(ctx).toEqualTypeOf<Context>();
      return 1;
    });
  });

  it('is still a Policy and composes in a pipeline', () => {
    expectTypeOf(fallback(0)).toExtend<Policy>();
    const p: Policy = fallback('x');
    expectTypeOf(p.execute(() => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(pipeline(fallback(0), timeout(10))).toExtend<Policy>();
  });

  it('on takes an outcome and returns a boolean', () => {
    fallback(0, { on: (o) => !o.ok });
    // @ts-expect-error on must return a boolean
    fallback(0, { on: () => 'yes' });
  });
});
