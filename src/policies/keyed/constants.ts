/** The default `name` of a keyed policy. */
export const KEYED_KIND = 'keyed' as const;
/** The default most policies alive at once. */
export const DEFAULT_MAX_KEYS = 1000;
/** The key of a call that gives none. */
export const DEFAULT_KEY = 'default';
