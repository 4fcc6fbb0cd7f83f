// The description of breakwater's metrics and the walker that applies it, shared by
// breakwater/otel and breakwater/prometheus (each bundles it; it holds no identity of its own).
export * from './instruments.js';
export {
  type AttributeMap,
  type Backend,
  defaultErrorType,
  isPolicy,
  isStore,
  type Report,
  type Settings,
  Sink,
} from './sink.js';
export { checkOptions, type CheckedOptions, sameBuckets } from './options.js';
