// An adaptive bulkhead finds a dependency's capacity by itself. The dependency
// here runs 50 calls at 50 ms; beyond that every new call is slower. An open
// load of 1,200 calls/s (more than it can serve) runs for 40 simulated
// seconds on a VirtualClock, so the run takes about a second of real time.
// Run: npm run build && node examples/adaptive-bulkhead.mjs
import { adaptiveBulkhead, isBulkheadRejectedError } from 'breakwater';
import { VirtualClock } from 'breakwater/testing';

const clock = new VirtualClock();
const CAPACITY = 50;
let inDependency = 0;

/** 50 ms up to CAPACITY calls at once; each call beyond that adds 10 % for everyone after it. */
function dependency() {
  inDependency++;
  const ms = 50 * (1 + (10 * Math.max(0, inDependency - CAPACITY)) / CAPACITY);
  return new Promise((resolve) =>
    clock.setTimeout(() => {
      inDependency--;
      resolve(ms);
    }, ms),
  );
}

const pool = adaptiveBulkhead({ algorithm: 'gradient2', clock });
let lastPrinted = -5_000;
pool.on('limitChanged', ({ to, at }) => {
  if (at - lastPrinted < 5_000) return;
  lastPrinted = at;
  console.log(`${(at / 1000).toFixed(1).padStart(5)} s  limit ${to}`);
});

let ok = 0;
let refused = 0;
for (let t = 0; t < 40_000; t += 10) {
  clock.setTimeout(() => {
    for (let i = 0; i < 12; i++) {
      pool.execute(dependency).then(
        () => ok++,
        (error) => {
          if (!isBulkheadRejectedError(error)) throw error;
          refused++; // reason 'limit': refused at once instead of queueing in front of a slow dependency
        },
      );
    }
  }, t);
}
await clock.advance(41_000);
console.log(
  `\nlimit ${pool.limit} (the dependency's capacity is ${CAPACITY}); ${ok} calls served, ${refused} refused at once`,
);
