export { VirtualClock } from './virtual-clock.js';
export { seededRandom } from './seeded-random.js';
export {
  delay,
  fail,
  hang,
  scripted,
  succeed,
  type HangStep,
  type Schedule,
  type ScriptedCall,
  type ScriptedFunction,
  type ScriptedOptions,
  type ScriptStep,
} from './scripted.js';
export {
  connectionError,
  respond,
  scriptedFetch,
  type FetchStep,
  type RespondInit,
  type ScriptedFetch,
  type ScriptedFetchCall,
  type ScriptedFetchOptions,
} from './scripted-fetch.js';
export {
  abortListenerCount,
  assertNoAbortListeners,
  assertNoPendingTimers,
  assertSettledOnce,
  InvariantError,
  observe,
  trackAbortListeners,
  trackedAbortController,
  watchUnhandledRejections,
  type Observation,
  type Observed,
  type UnhandledRejections,
} from './invariants.js';
export {
  arbitraries,
  type Arbitrary,
  type BreakwaterArbitraries,
  type FastCheckModule,
  type FaultScheduleOptions,
  type LatencyOptions,
  type StepOptions,
  type TimeoutSpec,
} from './arbitraries.js';
