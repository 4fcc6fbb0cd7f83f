import type { BucketRule } from './protocol.js';

/** A bucket's state and a grant, as the GCRA step computes them. */
export interface GcraStep {
  /** The new theoretical arrival time, in units (ms × limit). */
  readonly tat: number;
  /** Tokens taken. */
  readonly granted: number;
  /** Milliseconds until one more token fits. */
  readonly retryAfter: number;
  /** Milliseconds until the bucket is full again: the state can be forgotten after that. */
  readonly ttl: number;
}

/**
 * One GCRA step (the generic cell rate algorithm, a token bucket kept as one
 * number): takes up to `want` tokens at `now`. The state is the theoretical
 * arrival time `tat`, in units of `1 / limit` ms so that with whole
 * milliseconds every step is exact (one token is `perMs` units, the bucket
 * holds `burst × perMs` units). A missing bucket is `tat` 0: full.
 * The Redis store runs the same arithmetic in Lua, on Redis time.
 */
export function gcraTake(tat: number, now: number, rule: BucketRule, want: number): GcraStep {
  const { limit, perMs, burst } = rule;
  const nowUnits = now * limit;
  const start = tat > nowUnits ? tat : nowUnits;
  const room = Math.floor((nowUnits + burst * perMs - start) / perMs);
  const granted = room <= 0 ? 0 : room < want ? room : want;
  const next = start + granted * perMs;
  const wait = (next + perMs - burst * perMs - nowUnits) / limit;
  return { tat: next, granted, retryAfter: wait > 0 ? wait : 0, ttl: (next - nowUnits) / limit };
}
