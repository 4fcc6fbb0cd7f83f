// Types of adaptive-sim.mjs for the tests.
export interface SimContext {
  readonly signal?: AbortSignal;
}
export interface SimClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  advance(ms: number): Promise<void>;
  runAll(limit?: number): Promise<void>;
}
export interface SimulatedDependency {
  inFlight: number;
  peak: number;
  started: number;
  slowdown: number;
  latencyFor(n: number): number;
  call(ctx?: SimContext): Promise<number>;
}
export function simulatedDependency(options: {
  clock: SimClock;
  capacity: number;
  latencyMs: number;
  overload?: number;
}): SimulatedDependency;
export interface SeriesPoint {
  t: number;
  limit: number;
  active: number;
  latencyMs: number | undefined;
  completed: number;
  rejected: number;
  failed: number;
  slowdown: number;
}
export interface LoadTotals {
  started: number;
  ok: number;
  rejected: number;
  failed: number;
  maxActiveOverLimit: number;
}
export function runLoad(options: {
  clock: SimClock;
  policy: { readonly limit: number; readonly active: number };
  execute: (fn: (ctx: SimContext) => Promise<number>) => Promise<unknown>;
  dependency: SimulatedDependency;
  ratePerSecond: number;
  durationMs: number;
  tickMs?: number;
  sampleEveryMs?: number;
  steps?: { atMs: number; slowdown: number; done?: boolean }[];
}): Promise<{ series: SeriesPoint[]; totals: LoadTotals }>;
export function limitAt(series: SeriesPoint[], t: number): number | undefined;
