// A misbehaving service called through resilientFetch, phase by phase.
//   npm run build && node examples/fetch/index.mjs          (a table)
//   node examples/fetch/index.mjs --json                    (one JSON line, for the test)
import { isBreakwaterError } from 'breakwater';
import { createClient } from './client.mjs';
import { startFlakyServer } from './flaky-server.mjs';

const json = process.argv.includes('--json');
const server = await startFlakyServer();
const { http, retries, breaker } = createClient();

let retriesInPhase = 0;
retries.on('retry', () => retriesInPhase++);
const breakerStates = [];
breaker.on('stateChange', (e) => breakerStates.push(`${e.from}->${e.to}`));

/** Fires `count` calls, one every `everyMs` (an open-loop load, as real traffic is), and waits for all. */
async function load(count, everyMs) {
  const results = [];
  const calls = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    calls.push(
      http(`${server.url}/items/${i}`).then(
        async (res) => {
          await res.arrayBuffer();
          results.push({ ok: res.ok, outcome: String(res.status), ms: performance.now() - started });
        },
        (error) =>
          results.push({
            ok: false,
            outcome: isBreakwaterError(error) ? error.name : 'error',
            ms: performance.now() - started,
          }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  await Promise.all(calls);
  return results;
}

function summarise(phase, results) {
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const outcomes = {};
  for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return {
    phase,
    calls: results.length,
    ok: results.filter((r) => r.ok).length,
    outcomes,
    retries: retriesInPhase,
    serverReceived: server.received[phase === 'recovery' ? 'healthy' : phase],
    p50: Math.round(ms[Math.floor(ms.length * 0.5)]),
    max: Math.round(ms[ms.length - 1]),
  };
}

const phases = [];
async function phase(name, mode, count, everyMs) {
  server.mode = mode;
  retriesInPhase = 0;
  phases.push(summarise(name, await load(count, everyMs)));
}

await phase('tail', 'tail', 40, 10);
await phase('burst', 'burst', 20, 10);
await phase('down', 'down', 60, 20);
// The outage is over; the breaker is still open for a moment, then a probe closes it.
server.mode = 'healthy';
await new Promise((resolve) => setTimeout(resolve, 600));
await phase('recovery', 'healthy', 20, 10);
await server.close();

const summary = { phases, breakerStates, breakerState: breaker.state };
if (json) {
  console.log(JSON.stringify(summary));
} else {
  console.log('phase     calls  ok  retries  server saw  p50 ms  max ms  outcomes');
  for (const p of phases) {
    const outcomes = Object.entries(p.outcomes)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    console.log(
      `${p.phase.padEnd(9)} ${String(p.calls).padStart(5)} ${String(p.ok).padStart(3)} ${String(p.retries).padStart(8)} ${String(p.serverReceived).padStart(11)} ${String(p.p50).padStart(7)} ${String(p.max).padStart(7)}  ${outcomes}`,
    );
  }
  console.log(`\nbreaker: ${breakerStates.join(', ')}; now ${breaker.state}`);
  console.log(
    'tail: slow answers cut at 150 ms and retried; burst: 503s retried after Retry-After (capped at 400 ms);',
  );
  console.log('down: once half the calls fail the breaker opens and calls fail fast instead of hammering the service.');
}
