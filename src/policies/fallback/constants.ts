import type { Outcome } from '../../core/policy.js';

/** The default `name` of a fallback policy. */
export const FALLBACK_KIND = 'fallback' as const;

/**
 * The default `on`: every error. (The caller's own abort never reaches `on`:
 * fallback rethrows it before asking.) Values are never handled by default.
 */
export const DEFAULT_FALLBACK_ON: (outcome: Outcome) => boolean = /* @__PURE__ */ Object.freeze(
  (outcome: Outcome): boolean => !outcome.ok,
);
