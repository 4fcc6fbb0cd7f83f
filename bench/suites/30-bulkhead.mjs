// bulkhead: the uncontended path against the peers, and large queues drained through concurrency 100.
import { bulkhead as cockatielBulkhead } from 'cockatiel';
import pLimit from 'p-limit';

const fn = async () => 1;

export function register({ lib, compare }) {
  const bw = lib.bulkhead({ maxConcurrent: 10, maxQueue: 10 });
  // Every sample enters the window (minRttMs 0: an in-process call is faster than 100 µs), so the
  // row pays the whole sample path: two clock reads, the window's arithmetic, one algorithm call a
  // second. One call in flight against a limit of 20: AIMD holds the limit, nothing else moves.
  const ab = lib.adaptiveBulkhead({ maxQueue: 10, window: { minRttMs: 0 } });
  const ck = cockatielBulkhead(10, 10);
  const pl = pLimit(10);

  compare('bulkhead: uncontended call', [
    ['floor: await fn()', async () => await fn()],
    ['cockatiel bulkhead', () => ck.execute(fn), { baseline: true }],
    ['breakwater bulkhead', () => bw.execute(fn)],
    ['breakwater adaptiveBulkhead', () => ab.execute(fn)],
    ['p-limit', () => pl(fn)],
  ]);
}

/**
 * The floor for a FIFO limiter: a semaphore over a singly linked list, no
 * abort, no timeout, no events. Shows how much of a row is the queue itself.
 */
function handRolledSemaphore(limit) {
  let active = 0;
  let head;
  let tail;
  const next = () => {
    const item = head;
    if (item === undefined) {
      active--;
      return;
    }
    head = item.next;
    if (head === undefined) tail = undefined;
    item.run();
  };
  return (fn) => {
    if (active < limit && head === undefined) {
      active++;
      const p = fn();
      p.then(next, next);
      return p;
    }
    return new Promise((resolve, reject) => {
      const item = {
        next: undefined,
        run() {
          const p = fn();
          p.then(resolve, reject);
          p.then(next, next);
        },
      };
      if (tail === undefined) head = item;
      else tail.next = item;
      tail = item;
    });
  };
}

/** The shape of breakwater's per-call record (options, idempotency key, lazy signal). */
class CallRecordLike {
  constructor() {
    this.callerSignal = undefined;
    this.idempotentOption = undefined;
    this.key = undefined;
    this.correlationId = undefined;
    this.idempotencyKeyValue = undefined;
    this.neverSignal = undefined;
  }
}

/** The shape of breakwater's per-attempt context. */
class ContextLike {
  constructor(call) {
    this.call = call;
    this.scope = call;
    this.attempt = 1;
    this.idempotent = false;
    this.deadline = undefined;
  }
}

/**
 * Each call waits one macrotask, as a fast dependency would. BENCH_WORK=async
 * writes it as an async function (three more promises per call, all alive at
 * once without a limiter); BENCH_WORK=micro resolves in a microtask.
 */
const works = {
  macrotask: () => new Promise((resolve) => setImmediate(resolve)),
  async: async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return 1;
  },
  micro: async () => 1,
};
const work = works[process.env.BENCH_WORK ?? 'macrotask'];
if (work === undefined) throw new Error(`BENCH_WORK must be one of ${Object.keys(works).join(', ')}`);

async function measure(n, start) {
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peak = heap0;
  const sampler = setInterval(() => {
    const h = process.memoryUsage().heapUsed;
    if (h > peak) peak = h;
  }, 5);
  const t0 = performance.now();
  const all = new Array(n);
  for (let i = 0; i < n; i++) all[i] = start();
  const h1 = process.memoryUsage().heapUsed;
  if (h1 > peak) peak = h1;
  await Promise.all(all);
  const ms = performance.now() - t0;
  clearInterval(sampler);
  return { ms, peakMb: (peak - heap0) / 1048576 };
}

export async function scenarios({ lib }) {
  const limit = 100;
  const makers = [
    ['no limiter', () => () => work()],
    [
      'breakwater bulkhead',
      () => {
        const b = lib.bulkhead({ maxConcurrent: limit, maxQueue: Infinity });
        return () => b.execute(work);
      },
    ],
    [
      'breakwater bulkhead, calls with a signal',
      () => {
        // A signal (or a queueTimeout) lets a call leave the queue, so it takes the waiter path.
        const b = lib.bulkhead({ maxConcurrent: limit, maxQueue: Infinity });
        const { signal } = new AbortController();
        return () => b.execute(work, { signal });
      },
    ],
    [
      'hand-rolled FIFO semaphore',
      () => {
        const h = handRolledSemaphore(limit);
        return () => h(work);
      },
    ],
    [
      'hand-rolled FIFO semaphore, a context per call',
      () => {
        // The floor for any FIFO limiter that hands the function a context: the semaphore above plus
        // two small objects per call made when the call arrives, the size of breakwater's call
        // record and context. Shows what the per-call context alone costs in a long queue.
        const h = handRolledSemaphore(limit);
        return () => {
          const ctx = new ContextLike(new CallRecordLike());
          return h(() => work(ctx));
        };
      },
    ],
    [
      'p-limit',
      () => {
        const l = pLimit(limit);
        return () => l(work);
      },
    ],
    [
      'cockatiel bulkhead',
      () => {
        const c = cockatielBulkhead(limit, Infinity);
        return () => c.execute(work);
      },
    ],
  ];
  const results = new Map();
  for (const n of [100_000, 200_000]) {
    for (const [name, make] of makers) {
      // cockatiel drains with Array#shift: 200,000 takes many seconds; measure it once at 100,000 only.
      if (name === 'cockatiel bulkhead' && n > 100_000 && process.env.BENCH_SLOW !== '1') continue;
      await measure(1_000, make()); // warm up
      // The median of three runs (one for cockatiel, which takes seconds): the machine may be busy.
      const runs = [];
      for (let k = name === 'cockatiel bulkhead' ? 1 : 3; k > 0; k--) runs.push(await measure(n, make()));
      if (process.env.BENCH_VERBOSE === '1') {
        console.log(`${name} @ ${n}: ${runs.map((r) => `${r.ms.toFixed(0)} ms ${r.peakMb.toFixed(0)} MB`).join(', ')}`);
      }
      runs.sort((a, b) => a.ms - b.ms);
      results.set(`${name}@${n}`, runs[runs.length >> 1]);
    }
  }
  const base = results.get('no limiter@100000');
  const ck = results.get('cockatiel bulkhead@100000');
  console.log(
    `## bulkhead: calls started at once through maxConcurrent ${limit} (each waits one macrotask; median of 3)\n`,
  );
  console.log(
    '| what | calls | wall ms | peak heap MB | × no limiter (100k) | × cockatiel (100k) |\n|---|---:|---:|---:|---:|---:|',
  );
  for (const [k, r] of results) {
    const [name, n] = k.split('@');
    console.log(
      `| ${name} | ${Number(n).toLocaleString('en')} | ${r.ms.toFixed(0)} | ${r.peakMb.toFixed(1)} | ${(r.ms / base.ms).toFixed(2)}× | ${(r.ms / ck.ms).toFixed(3)}× |`,
    );
  }
  const bw1 = results.get('breakwater bulkhead@100000');
  const bw2 = results.get('breakwater bulkhead@200000');
  console.log(
    `\nbreakwater 200,000 / 100,000 = ${(bw2.ms / bw1.ms).toFixed(2)}×; no limiter 200,000 / 100,000 = ${(results.get('no limiter@200000').ms / base.ms).toFixed(2)}×\n`,
  );
}
