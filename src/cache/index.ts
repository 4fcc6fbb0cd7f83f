export { cache, CachePolicy } from './cache-policy.js';
export {
  CACHE_EVENTS,
  DEFAULT_CACHE_KEY,
  DEFAULT_COALESCE,
  DEFAULT_DESERIALIZE,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_SERIALIZE,
  DEFAULT_STALE_IF_ERROR,
} from './constants.js';
export type { CacheEvents } from './events.js';
export type { CacheOptions } from './options.js';
