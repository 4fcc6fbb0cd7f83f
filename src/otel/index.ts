import type { Attributes, Counter, Histogram, Meter, Observable, ObservableCallback } from '@opentelemetry/api';
import type { Policy } from 'breakwater';
import { describe } from '../core/validate.js';
import {
  type Backend,
  checkOptions,
  DEFAULT_BUCKETS,
  INSTRUMENTS,
  type InstrumentId,
  type Report,
  sameBuckets,
  Sink,
} from '../metrics-spec/index.js';

export { DEFAULT_BUCKETS };

/** Options of {@link instrument} for OpenTelemetry. */
export interface OtelInstrumentOptions {
  /** The meter the instruments are made on (yours: never the global one). */
  meter: Meter;
  /**
   * Constant attributes added to every series.
   * @defaultValue `{}`
   */
  attributes?: Record<string, string>;
  /**
   * Add `breakwater.key` (a keyed pool's key) to its series; the series then grow with the keys.
   * @defaultValue `false`
   */
  keyAttribute?: boolean;
  /**
   * Turns an error into the `error.type` attribute.
   * @defaultValue a BreakwaterError's `name`, else the constructor's name, else `'_OTHER'`
   */
  errorType?: (error: unknown) => string;
  /**
   * Histogram boundaries in seconds (given to the SDK as `advice.explicitBucketBoundaries`).
   * @defaultValue {@link DEFAULT_BUCKETS}
   */
  buckets?: readonly number[];
}

/** What {@link instrument} returns. */
export interface Instrumentation {
  /** Removes every listener and observable callback this call added; calling it again does nothing. */
  detach(): void;
}

/** A target `instrument` accepts: any breakwater policy, or a shared store (`name`, `degraded`, events). */
export type InstrumentTarget = Policy | { readonly name: string; readonly degraded: boolean };

const ENTRY = 'otel';
const KEYS = ['meter', 'attributes', 'keyAttribute', 'errorType', 'buckets'] as const;

interface MeterState {
  readonly sink: Sink;
  readonly buckets: readonly number[];
}
const meters = new WeakMap<Meter, MeterState>();

function isMeter(value: unknown): value is Meter {
  const m = value as Partial<Record<keyof Meter, unknown>> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.createCounter === 'function' &&
    typeof m.createHistogram === 'function' &&
    typeof m.createObservableGauge === 'function' &&
    typeof m.createObservableUpDownCounter === 'function'
  );
}

/** Makes breakwater's instruments on one meter, once, from the shared table. */
function meterBackend(meter: Meter, buckets: readonly number[]): Backend {
  const synchronous = new Map<InstrumentId, Counter | Histogram>();
  const observable = new Map<InstrumentId, Observable>();
  return {
    attributeName: (key) => key,
    retainEmptyGroups: true,
    synchronous(id) {
      const spec = INSTRUMENTS[id];
      let instrument = synchronous.get(id);
      if (instrument === undefined) {
        const options = { description: spec.help, unit: spec.unit };
        instrument =
          spec.type === 'histogram'
            ? meter.createHistogram(spec.otel, { ...options, advice: { explicitBucketBoundaries: buckets.slice() } })
            : meter.createCounter(spec.otel, options);
        synchronous.set(id, instrument);
      }
      if (spec.type === 'histogram') {
        const histogram = instrument as Histogram;
        return (value, attributes) => histogram.record(value, attributes);
      }
      const counter = instrument as Counter;
      return (value, attributes) => counter.add(value, attributes);
    },
    observe(id, collect) {
      const spec = INSTRUMENTS[id];
      let instrument = observable.get(id);
      if (instrument === undefined) {
        const options = { description: spec.help, unit: spec.unit };
        instrument =
          spec.type === 'gauge'
            ? meter.createObservableGauge(spec.otel, options)
            : meter.createObservableUpDownCounter(spec.otel, options);
        observable.set(id, instrument);
      }
      const callback: ObservableCallback<Attributes> = (result) => {
        const report: Report = (value, attributes) => result.observe(value, attributes);
        collect(report);
      };
      instrument.addCallback(callback);
      const target = instrument;
      return () => target.removeCallback(callback);
    },
    // Synchronous OpenTelemetry instruments cannot delete a series: it is no longer recorded.
    forget() {},
  };
}

/**
 * Records breakwater's metrics (DESIGN "Metrics", docs/metrics.md) for `target` on your
 * OpenTelemetry meter: every policy of a pipeline, nested ones too, and every pool of a keyed
 * policy, now and later. Observable values are read when the reader collects, never on a timer.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import { instrument } from 'breakwater/otel';
 *
 * const policy = pipeline({ name: 'payments' }, retry(), circuitBreaker(), timeout(2_000));
 * const metricsHandle = instrument(policy, { meter: meterProvider.getMeter('payments') });
 * // later: metricsHandle.detach();
 * ```
 */
export function instrument(target: InstrumentTarget, options: OtelInstrumentOptions): Instrumentation {
  const checked = checkOptions(ENTRY, target, options, KEYS, 'attributes', 'keyAttribute');
  const meter: unknown = options.meter;
  if (!isMeter(meter)) {
    throw new TypeError(
      `${ENTRY}: meter must be an OpenTelemetry Meter (an object with createCounter and createObservableGauge), got ${describe(meter)}`,
    );
  }
  let state = meters.get(meter);
  if (state === undefined) {
    state = { sink: new Sink(meterBackend(meter, checked.buckets)), buckets: checked.buckets };
    meters.set(meter, state);
  } else if (!sameBuckets(state.buckets, checked.buckets)) {
    throw new TypeError(
      `${ENTRY}: buckets must be the ones this meter was first instrumented with (${state.buckets.join(', ')}), got ${checked.buckets.join(', ')}`,
    );
  }
  const detach = state.sink.instrument(target as never, {
    errorType: checked.errorType,
    keyAttribute: checked.key,
    constants: checked.constants,
  });
  return { detach };
}
