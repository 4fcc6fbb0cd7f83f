import { beforeAll, describe, expect, it } from 'vitest';
import type { CircuitBreakerOptions } from 'breakwater';
import type { BreakerResult, BreakerRun } from './support/breaker-worker.js';
import { bundleWorker, runWorkers } from './support/fleet.js';
import { type ClientName, missing, REDIS_URL, reportSkip, type Topology } from './support/servers.js';

const serverReason = missing('server');
const clusterReason = missing('cluster');
reportSkip(serverReason, 'multi-process shared breakers on a real Redis');
reportSkip(clusterReason, 'multi-process shared breakers on a real Redis Cluster');

const INSTANCES = 5;
const SYNC_MS = 1_000;
let worker = '';
let runs = 0;
beforeAll(async () => {
  if (serverReason === undefined || clusterReason === undefined) worker = await bundleWorker('test/redis/support/breaker-worker.ts');
});

function firstOpen(r: BreakerResult): number {
  return r.changes.find((c) => c.to === 'open')?.at ?? Infinity;
}

async function fleet(
  client: ClientName,
  topology: Topology,
  each: (i: number) => Partial<BreakerRun> & { options: CircuitBreakerOptions },
): Promise<BreakerResult[]> {
  const prefix = `breaker-${process.pid}-${runs++}:`;
  const messages = Array.from({ length: INSTANCES }, (_, i): BreakerRun => ({
    client,
    topology,
    url: REDIS_URL,
    prefix,
    failUntil: 1e12, // (Infinity does not survive IPC's JSON)
    callEveryMs: 50,
    durationMs: 2_500,
    ...each(i),
  }));
  const results = await runWorkers<BreakerRun, BreakerResult>(worker, messages, 20_000);
  for (const r of results) expect(r.errors).toEqual([]);
  return results;
}

const setups: [ClientName, Topology, string | undefined][] = [
  ['ioredis', 'single', serverReason],
  ['node-redis', 'cluster', clusterReason],
];

for (const [client, topology, reason] of setups) {
  describe.skipIf(reason !== undefined)(`five processes sharing a breaker on ${client}, ${topology}`, () => {
    it("'opens': every instance is open within syncMs + one call of the first opening", async () => {
      // Instance 0 calls every 10 ms and opens first; alone, the others would need 2 s for minimumCalls.
      const results = await fleet(client, topology, (i) => ({
        options: { minimumCalls: 40, syncMs: SYNC_MS, openFor: 10_000 },
        callEveryMs: i === 0 ? 10 : 50,
      }));
      const opens = results.map(firstOpen);
      const spread = Math.max(...opens) - Math.min(...opens);
      console.log(`${client} ${topology} opens: first openings at ${opens.join(', ')} ms; spread ${spread} ms`);
      expect(opens.every(Number.isFinite)).toBe(true);
      expect(spread).toBeLessThanOrEqual(SYNC_MS + 50 + 50); // syncMs + one call (+ one scheduling slice)
    }, 30_000);

    it("'counts': the fleet opens on merged counts before any instance has minimumCalls failures of its own", async () => {
      const minimumCalls = 20;
      const results = await fleet(client, topology, () => ({
        options: { share: 'counts', minimumCalls, syncMs: SYNC_MS, openFor: 10_000 },
        callEveryMs: 100,
        durationMs: 3_000,
      }));
      const opens = results.map(firstOpen);
      const fleetOpenedAt = Math.min(...opens);
      const before = results.map((r) => r.requests.filter((q) => q.at < fleetOpenedAt).length);
      const own = results.map((r, i) => r.requests.filter((q) => q.at < (opens[i] as number)).length);
      const spent = own.reduce((a, b) => a + b, 0);
      console.log(
        `${client} ${topology} counts: failures per instance when the fleet opened ${before.join(', ')}; before each instance opened ${own.join(', ')}; fleet ${spent} in all against ${INSTANCES * minimumCalls} for local breakers`,
      );
      expect(opens.every(Number.isFinite)).toBe(true);
      for (const n of before) expect(n).toBeLessThan(minimumCalls);
      expect(Math.max(...opens) - fleetOpenedAt).toBeLessThanOrEqual(SYNC_MS + 100 + 50);
      expect(spent).toBeLessThan(INSTANCES * minimumCalls);
    }, 30_000);

    it('half-open: at most one probe per openFor reaches the dependency, and its success closes every instance', async () => {
      const openFor = 1_000;
      const results = await fleet(client, topology, () => ({
        options: { window: { kind: 'consecutive', failures: 3 }, syncMs: SYNC_MS, openFor },
        failUntil: 1_500,
        callEveryMs: 20,
        durationMs: 4_500,
      }));
      const allOpen = Math.max(...results.map(firstOpen));
      const closes = results.map((r) => r.changes.find((c) => c.to === 'closed')?.at ?? Infinity);
      const firstClose = Math.min(...closes);
      const probes = results.flatMap((r) => r.requests).filter((q) => q.at > allOpen && q.at <= firstClose);
      console.log(`${client} ${topology} half-open: all open at ${allOpen} ms, probes at ${probes.map((p) => p.at).join(', ')}, closes at ${closes.join(', ')}`);
      expect(Number.isFinite(firstClose)).toBe(true);
      const periods = Math.ceil((firstClose - allOpen) / openFor) + 1;
      expect(probes.length).toBeLessThanOrEqual(periods);
      // Probes per openFor across the fleet: never two within one openFor.
      const sorted = probes.map((p) => p.at).sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) expect((sorted[i] as number) - (sorted[i - 1] as number)).toBeGreaterThanOrEqual(openFor * 0.9);
      for (const c of closes) expect(c - firstClose).toBeLessThanOrEqual(SYNC_MS + 20 + 50);
    }, 30_000);

    it("'counts': one instance failing among four healthy ones opens none; 'opens' with quorum 3: two open alone", async () => {
      const counts = await fleet(client, topology, (i) => ({
        options: { share: 'counts', minimumCalls: 20, failureRate: 0.5, syncMs: SYNC_MS },
        failUntil: i === 0 ? 1e12 : -1,
        callEveryMs: 100,
        durationMs: 3_000,
      }));
      expect(counts.map((r) => r.changes.length)).toEqual([0, 0, 0, 0, 0]);
      const quorum = await fleet(client, topology, (i) => ({
        options: { window: { kind: 'consecutive', failures: 3 }, quorum: 3, syncMs: SYNC_MS, openFor: 10_000 },
        failUntil: i < 2 ? 1e12 : -1,
        callEveryMs: 50,
        durationMs: 2_500,
      }));
      const opened = quorum.map((r) => r.changes.some((c) => c.to === 'open'));
      expect(opened).toEqual([true, true, false, false, false]);
    }, 40_000);
  });
}
