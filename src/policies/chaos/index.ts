export { injectFault, InjectFaultPolicy } from './inject-fault.js';
export { injectLatency, InjectLatencyPolicy } from './inject-latency.js';
export type { InjectFaultEvents, InjectLatencyEvents } from './events.js';
export type { ChaosOptions, FaultFactory, InjectFaultOptions, InjectLatencyOptions } from './options.js';
