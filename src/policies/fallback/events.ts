import type { Outcome } from '../../core/policy.js';

/** Events of a fallback policy (each payload also has `policy`, `key`, `correlationId`, `at`). */
export interface FallbackEvents {
  /** `on` accepted the outcome; the fallback value (or function) is about to be used. */
  fallback: { readonly outcome: Outcome };
}
