import type { Outcome } from '../../core/policy.js';

/** Why a retry did not happen although `retryOn` asked for it. */
export type RetryBlockedReason = 'not-idempotent' | 'budget' | 'deadline';

/** Events of a retry policy (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface RetryEvents {
  /** An attempt settled. `durationMs` is measured only while someone listens to this event. */
  attempt: { readonly attempt: number; readonly durationMs: number; readonly outcome: Outcome };
  /** Attempt `attempt` failed and the next one starts after `delay` ms (emitted before the sleep). */
  retry: { readonly attempt: number; readonly delay: number; readonly outcome: Outcome };
  /** The last allowed attempt failed; its outcome is the call's outcome. */
  giveUp: { readonly attempts: number; readonly outcome: Outcome };
  /** A retry was wanted but not allowed; the call ends with attempt `attempt`'s outcome. */
  retryBlocked: { readonly reason: RetryBlockedReason; readonly attempt: number };
}
