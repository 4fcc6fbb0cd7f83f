import { AdmissionPolicy, queueSettings } from '../../core/admission/admission-policy.js';
import type { CallContext } from '../../core/context.js';
import { invoke, type PolicyFunction } from '../../core/policy.js';
import { type OptionNames, integerAtLeast, optionsObject } from '../../core/validate.js';
import { BULKHEAD_PEER_NAMES } from '../../core/peer-names.js';
import { BULKHEAD_KIND } from './constants.js';
import type { BulkheadEvents } from './events.js';
import type { BulkheadOptions } from './options.js';

/**
 * A policy that caps how many calls run at once and how many may wait.
 * Made by {@link bulkhead}.
 *
 * @remarks
 * p-limit holds the FIFO queue and drains it. The bulkhead keeps its own slot
 * count so that an uncontended call skips the queue (never overtaking a queued
 * one), and a queued call that aborts or times out gives its place back at
 * once; p-limit later passes over what it left behind. The queue rules live in
 * `core/admission`, shared with `adaptiveBulkhead`. See
 * docs/decisions/0002-bulkhead-on-p-limit.md.
 */
export class BulkheadPolicy extends AdmissionPolicy<BulkheadEvents> {
  declare readonly kind: 'bulkhead';
  /** How many calls may run at once. */
  readonly maxConcurrent: number;

  constructor(options: Partial<BulkheadOptions>) {
    const maxConcurrent = integerAtLeast(BULKHEAD_KIND, 'maxConcurrent', options.maxConcurrent, 1, true);
    super(BULKHEAD_KIND, options, maxConcurrent, queueSettings(BULKHEAD_KIND, options), 'full');
    this.maxConcurrent = maxConcurrent;
  }

  /** @internal */
  protected launch(fn: PolicyFunction<unknown>, ctx: CallContext): Promise<unknown> {
    const running = invoke(fn, ctx);
    running.then(this.release, this.release);
    return running;
  }
}

/** Every option name of BulkheadOptions; any other key is a TypeError. */
const BULKHEAD_OPTIONS: OptionNames<BulkheadOptions> = {
  maxConcurrent: true,
  maxQueue: true,
  queueTimeout: true,
  name: true,
  clock: true,
};

/**
 * Caps how many calls run at once (`maxConcurrent`) and how many wait in FIFO
 * order (`maxQueue`, default 0). Beyond that a call is rejected at once with
 * `BulkheadRejectedError` `{ reason: 'full' }`; a call queued longer than
 * `queueTimeout` is rejected with `{ reason: 'queueTimeout' }`.
 *
 * @remarks
 * Gotchas: a place is freed when the function settles, not when the caller
 * stops waiting: an aggressive timeout outside the bulkhead does not free it,
 * because the dependency is still busy. A queued call whose signal aborts
 * leaves the queue at once and never runs.
 *
 * @example
 * ```ts
 * const pool = bulkhead({ maxConcurrent: 10, maxQueue: 100, queueTimeout: 1_000 });
 * const res = await pool.execute(({ signal }) => fetch(url, { signal }));
 * ```
 */
export function bulkhead(options: BulkheadOptions): BulkheadPolicy {
  return new BulkheadPolicy(
    optionsObject<BulkheadOptions>(BULKHEAD_KIND, options, BULKHEAD_OPTIONS, BULKHEAD_PEER_NAMES),
  );
}

export type { BulkheadEvents } from './events.js';
export type { BulkheadOptions } from './options.js';
export { DEFAULT_MAX_QUEUE } from './constants.js';
