export { memoryStore, MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export {
  isSharedStore,
  type BreakerCounts,
  type BreakerReport,
  type BreakerView,
  type BucketRule,
  type Grant,
  type SharedStore,
  type StoreEvents,
  type StoreListener,
  type StoreReply,
} from './protocol.js';
export { StoreBase, StoreTimeoutError, type StoreHealthOptions } from './store-base.js';
