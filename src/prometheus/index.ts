import type { Policy } from 'breakwater';
import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';
import { describe } from '../core/validate.js';
import {
  type AttributeMap,
  type Backend,
  checkOptions,
  DEFAULT_BUCKETS,
  INSTRUMENT_IDS,
  INSTRUMENTS,
  type InstrumentId,
  KEY,
  POLICY_KIND,
  POLICY_NAME,
  sameBuckets,
  Sink,
} from '../metrics-spec/index.js';

export { DEFAULT_BUCKETS };

/** The prefix of every metric name unless `prefix` says otherwise. */
export const DEFAULT_PREFIX = 'breakwater_';

/** Options of {@link instrument} for prom-client. */
export interface PrometheusInstrumentOptions {
  /** The registry the metrics are registered in (yours: never prom-client's global `register`). */
  registry: Registry;
  /**
   * Prefix of every metric name.
   * @defaultValue `'breakwater_'`
   */
  prefix?: string;
  /**
   * Constant labels added to every series (their names are declared once per registry).
   * @defaultValue `{}`
   */
  labels?: Record<string, string>;
  /**
   * Add `breakwater_key` (a keyed pool's key) to its series; the series then grow with the keys.
   * @defaultValue `false`
   */
  keyLabel?: boolean;
  /**
   * Turns an error into the `error_type` label.
   * @defaultValue a BreakwaterError's `name`, else the constructor's name, else `'_OTHER'`
   */
  errorType?: (error: unknown) => string;
  /**
   * Histogram buckets in seconds.
   * @defaultValue {@link DEFAULT_BUCKETS}
   */
  buckets?: readonly number[];
}

/** What {@link instrument} returns. */
export interface Instrumentation {
  /** Removes every listener this call added and the series only it fed; calling it again does nothing. */
  detach(): void;
}

/** A target `instrument` accepts: any breakwater policy, or a shared store (`name`, `degraded`, events). */
export type InstrumentTarget = Policy | { readonly name: string; readonly degraded: boolean };

const ENTRY = 'prometheus';
const KEYS = ['registry', 'prefix', 'labels', 'keyLabel', 'errorType', 'buckets'] as const;

/** A Prometheus label name for an OpenTelemetry attribute key: `breakwater.policy.name` → `breakwater_policy_name`. */
function labelName(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_');
}

interface RegistryState {
  readonly sink: Sink;
  readonly prefix: string;
  readonly buckets: readonly number[];
  readonly constantNames: string;
}
const registries = new WeakMap<Registry, RegistryState>();

type Metric = Counter | Histogram | Gauge;

/** Makes breakwater's metrics in one registry, once each, from the shared table. */
function registryBackend(
  registry: Registry,
  prefix: string,
  buckets: readonly number[],
  constants: readonly string[],
): Backend {
  const metrics = new Map<InstrumentId, Metric>();
  const labelNames = (id: InstrumentId): string[] => [
    labelName(POLICY_NAME),
    labelName(POLICY_KIND),
    ...constants.map(labelName),
    labelName(KEY),
    ...INSTRUMENTS[id].attributes.map(labelName),
  ];
  const make = (id: InstrumentId, collect?: (gauge: Gauge) => void): Metric => {
    const spec = INSTRUMENTS[id];
    const config = {
      name: prefix + spec.prometheus,
      help: spec.help,
      labelNames: labelNames(id),
      registers: [registry],
    };
    if (spec.type === 'counter') return new Counter(config);
    if (spec.type === 'histogram') return new Histogram({ ...config, buckets: buckets.slice() });
    return new Gauge({
      ...config,
      collect(this: Gauge) {
        this.reset();
        collect?.(this);
      },
    });
  };
  return {
    attributeName: labelName,
    retainEmptyGroups: false,
    synchronous(id) {
      let metric = metrics.get(id);
      if (metric === undefined) {
        metric = make(id);
        metrics.set(id, metric);
      }
      if (INSTRUMENTS[id].type === 'histogram') {
        const histogram = metric as Histogram;
        return (value, labels) => histogram.observe(labels, value);
      }
      const counter = metric as Counter;
      return (value, labels) => counter.inc(labels, value);
    },
    observe(id, collect) {
      const gauge = make(id, (g) => collect((value, labels) => g.set(labels, value)));
      metrics.set(id, gauge);
      return () => {
        registry.removeSingleMetric(prefix + INSTRUMENTS[id].prometheus);
        metrics.delete(id);
      };
    },
    forget(id, labels: AttributeMap) {
      (metrics.get(id) as Counter | Histogram | undefined)?.remove(labels);
    },
    idle() {
      // Nothing of ours is left in the registry: take our metrics out of it.
      for (const id of INSTRUMENT_IDS) {
        if (metrics.delete(id)) registry.removeSingleMetric(prefix + INSTRUMENTS[id].prometheus);
      }
      registries.delete(registry);
    },
  };
}

function isRegistry(value: unknown): value is Registry {
  const r = value as Partial<Record<keyof Registry, unknown>> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.registerMetric === 'function' &&
    typeof r.getSingleMetric === 'function' &&
    typeof r.removeSingleMetric === 'function' &&
    typeof r.metrics === 'function'
  );
}

/**
 * Registers breakwater's metrics (DESIGN "Metrics", docs/metrics.md) for `target` in your
 * prom-client registry: every policy of a pipeline, nested ones too, and every pool of a keyed
 * policy, now and later. Gauges are read in `collect()` when the registry is scraped, never on a timer.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { instrument } from 'breakwater/prometheus';
 *
 * const registry = new Registry();
 * const handle = instrument(pipeline({ name: 'payments' }, retry(), circuitBreaker()), { registry });
 * // GET /metrics: res.end(await registry.metrics());  later: handle.detach();
 * ```
 */
export function instrument(target: InstrumentTarget, options: PrometheusInstrumentOptions): Instrumentation {
  const checked = checkOptions(ENTRY, target, options, KEYS, 'labels', 'keyLabel');
  const registry: unknown = options.registry;
  if (!isRegistry(registry)) {
    throw new TypeError(`${ENTRY}: registry must be a prom-client Registry, got ${describe(registry)}`);
  }
  if (registry === register) {
    throw new TypeError(`${ENTRY}: registry must be a Registry of your own, got prom-client's global register`);
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(prefix)) {
    throw new TypeError(`${ENTRY}: prefix must be a valid metric name prefix, got ${describe(prefix)}`);
  }
  const constants = Object.keys(checked.constants);
  for (const name of constants) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__')) {
      throw new TypeError(`${ENTRY}: labels must have valid label names, got ${JSON.stringify(name)}`);
    }
  }
  const constantNames = constants.slice().sort().join(',');
  let state = registries.get(registry);
  if (state === undefined) {
    const backend = registryBackend(registry, prefix, checked.buckets, constants);
    state = { sink: new Sink(backend), prefix, buckets: checked.buckets, constantNames };
    registries.set(registry, state);
  } else {
    // One registry holds one definition of each metric: its name, label names and buckets.
    if (state.prefix !== prefix)
      throw new TypeError(
        `${ENTRY}: prefix must be ${JSON.stringify(state.prefix)} in this registry, got ${JSON.stringify(prefix)}`,
      );
    if (state.constantNames !== constantNames) {
      throw new TypeError(
        `${ENTRY}: labels must have the names declared in this registry (${state.constantNames || 'none'}), got ${constantNames || 'none'}`,
      );
    }
    if (!sameBuckets(state.buckets, checked.buckets)) {
      throw new TypeError(
        `${ENTRY}: buckets must be the ones declared in this registry (${state.buckets.join(', ')}), got ${checked.buckets.join(', ')}`,
      );
    }
  }
  const detach = state.sink.instrument(target as never, {
    errorType: checked.errorType,
    keyAttribute: checked.key,
    constants: checked.constants,
  });
  return { detach };
}
