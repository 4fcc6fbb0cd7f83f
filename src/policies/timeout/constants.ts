/** What `timeout` does at the deadline. */
export type TimeoutStrategy = 'aggressive' | 'cooperative';

/** The default strategy: reject at the deadline without waiting for the function. */
export const DEFAULT_TIMEOUT_STRATEGY: TimeoutStrategy = 'aggressive';
/** The default `name` of a timeout policy. */
export const TIMEOUT_KIND = 'timeout' as const;
/** The strategies `timeout` accepts. */
export const TIMEOUT_STRATEGIES: readonly TimeoutStrategy[] = /* @__PURE__ */ Object.freeze([
  'aggressive',
  'cooperative',
] as const);
