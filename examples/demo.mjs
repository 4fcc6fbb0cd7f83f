// A small tour: a flaky, sometimes hanging dependency called with and without
// a timeout. Run with `npm run demo`.
import { pipeline, timeout, isTimeoutError } from '../dist/index.js';

let calls = 0;
/** A dependency that answers in 5 ms, except every fourth call, which hangs until aborted. */
function flakyDependency(signal) {
  calls++;
  const hangs = calls % 4 === 0;
  return new Promise((resolve, reject) => {
    const timer = hangs ? undefined : setTimeout(() => resolve('ok'), 5);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

const policy = pipeline(timeout(50));
policy.policies[0].on('timeout', (e) => console.log(`  timeout event: ${e.ms} ms, key=${e.key}`));

let ok = 0;
let timedOut = 0;
const started = performance.now();
for (let i = 0; i < 8; i++) {
  try {
    await policy.execute(({ signal }) => flakyDependency(signal), { key: 'inventory' });
    ok++;
  } catch (error) {
    if (isTimeoutError(error)) timedOut++;
    else throw error;
  }
}
const ms = performance.now() - started;
console.log(`\n8 calls through timeout(50): ${ok} ok, ${timedOut} timed out, ${ms.toFixed(0)} ms in all`);
console.log('without the timeout, the hanging calls would never have returned.');
