import type { Outcome } from '../../core/policy.js';

/** Events of a hedge policy (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface HedgeEvents {
  /** An extra attempt started (`attempt` is 2 for the first hedge). */
  hedge: { readonly attempt: number };
  /**
   * An attempt settled, the losers of a race included (they may settle after
   * the call has). Metrics build attempt-duration histograms from it.
   */
  attempt: { readonly attempt: number; readonly durationMs: number; readonly outcome: Outcome };
}
