/** The default `name` of a hedge policy. */
export const HEDGE_KIND = 'hedge' as const;
/** The default `maxHedged`: one extra attempt at most. */
export const DEFAULT_MAX_HEDGED = 1;
/** The message of the `AbortError` that a losing attempt's signal aborts with. */
export const HEDGE_LOST_MESSAGE = 'hedge: another attempt won';
