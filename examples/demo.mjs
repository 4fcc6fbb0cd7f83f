// breakwater in one command: `npm run demo`.
//
// Two copies of the same flaky service run on 127.0.0.1, following the same
// fixed schedule: healthy, a latency tail, an error burst, a full outage, and
// recovery. The same load (an open loop, 50 requests a second) goes to one of
// them through plain fetch and to the other through breakwater
// (retry -> circuit breaker -> bulkhead -> timeout, via resilientFetch).
// At the end: a side-by-side table and an SVG chart of the run.
//
//   DEMO_FAST=1   an 8 s run (every phase shortened), used by the test
//   DEMO_OUT=dir  where to write demo.svg (default examples/output)
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bulkhead,
  circuitBreaker,
  exponential,
  isBrokenCircuitError,
  pipeline,
  retry,
  timeout,
} from '../dist/index.js';
import { resilientFetch } from '../dist/fetch/index.js';

const FAST = process.env.DEMO_FAST === '1';
const SCALE = FAST ? 0.4 : 1;
const RATE = 50; // requests per second, for each client
const TTY = process.stdout.isTTY === true;
const OUT_DIR = process.env.DEMO_OUT ?? fileURLToPath(new URL('./output', import.meta.url));

// The schedule, in seconds from the start (scaled in fast mode).
const PHASES = [
  { name: 'healthy', seconds: 3, about: 'answers in 10 ms' },
  { name: 'latency tail', seconds: 4, about: 'every 5th request takes 1.5 s' },
  { name: 'error burst', seconds: 4, about: '4 requests in 10 get a 500' },
  { name: 'outage', seconds: 5, about: 'every request: 503 after 1 s' },
  { name: 'recovery', seconds: 4, about: 'healthy again' },
].map((p) => ({ ...p, ms: p.seconds * 1000 * SCALE }));
const TOTAL_MS = PHASES.reduce((sum, p) => sum + p.ms, 0);

let t0 = 0;
const elapsed = () => performance.now() - t0;
function phaseAt(ms) {
  let end = 0;
  for (const p of PHASES) {
    end += p.ms;
    if (ms < end) return p.name;
  }
  return PHASES[PHASES.length - 1].name;
}

// ---------------------------------------------------------------------------
// The flaky service: what it does depends only on the schedule and on its own
// request counter, so both copies behave the same for the same load.
async function startService() {
  let n = 0;
  const received = Object.fromEntries(PHASES.map((p) => [p.name, 0]));
  const perBin = [];
  const server = createServer((req, res) => {
    n++;
    const now = elapsed();
    const phase = phaseAt(now);
    received[phase]++;
    const bin = Math.floor(now / binMs());
    perBin[bin] = (perBin[bin] ?? 0) + 1;
    let status = 200;
    let delay = 10;
    if (phase === 'latency tail' && n % 5 === 0) delay = 1500;
    else if (phase === 'error burst' && n % 10 < 4) status = 500;
    else if (phase === 'outage') {
      status = 503;
      delay = 1000;
    }
    const timer = setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ n, status }));
    }, delay);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/inventory`,
    received,
    perBin,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

// ---------------------------------------------------------------------------
// The breakwater client: this is all it takes.
function breakwaterClient() {
  const retries = retry({
    maxAttempts: 3,
    backoff: exponential({ initial: 25, max: 250 }),
    // An open breaker means "fail fast": do not wait for it.
    retryOn: (outcome) => !outcome.ok && !isBrokenCircuitError(outcome.error),
  });
  const breaker = circuitBreaker({
    window: { kind: 'time', ms: 2_000 * SCALE, buckets: 10 },
    failureRate: 0.5,
    minimumCalls: 10,
    openFor: 500 * SCALE,
  });
  const pool = bulkhead({ maxConcurrent: 20, maxQueue: 20 });
  const perAttempt = timeout(200);
  const http = resilientFetch(pipeline(retries, breaker, pool, perAttempt));
  return { http, retries, breaker, pool };
}

// ---------------------------------------------------------------------------
// Measuring.
function binMs() {
  return 250 * SCALE;
}

class Tally {
  constructor(name) {
    this.name = name;
    this.sent = 0;
    this.done = 0;
    this.failed = 0;
    this.inFlight = 0;
    this.latencies = [];
    this.bins = []; // per bin of start time: { calls, failed }
  }

  async run(call) {
    const started = elapsed();
    const bin = Math.floor(started / binMs());
    const b = (this.bins[bin] ??= { calls: 0, failed: 0 });
    this.sent++;
    this.inFlight++;
    let ok = false;
    try {
      const res = await call();
      await res.arrayBuffer();
      ok = res.ok;
    } catch {
      ok = false;
    }
    this.inFlight--;
    this.done++;
    this.latencies.push(elapsed() - started);
    b.calls++;
    if (!ok) {
      this.failed++;
      b.failed++;
    }
  }

  percentile(p) {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  }
}

// ---------------------------------------------------------------------------
// The run.
const plainService = await startService();
const bwService = await startService();
const bw = breakwaterClient();
const plain = new Tally('plain fetch');
const guarded = new Tally('breakwater');

let retryCount = 0;
bw.retries.on('retry', () => retryCount++);
let opens = 0;
bw.breaker.on('stateChange', (e) => {
  if (e.to === 'open') opens++;
});
const breakerSamples = []; // [ms, state]

console.log(
  `breakwater demo: ${TOTAL_MS / 1000} s, ${RATE} requests/s to each of two copies of a flaky service on 127.0.0.1`,
);
console.log(`schedule: ${PHASES.map((p) => `${p.name} ${(p.ms / 1000).toFixed(1)} s (${p.about})`).join(' -> ')}\n`);

t0 = performance.now();
const sampler = setInterval(() => breakerSamples.push([elapsed(), bw.breaker.state]), 50 * SCALE);
const progress = setInterval(printProgress, TTY ? 250 : 1000);

function printProgress(final = false) {
  const s = (elapsed() / 1000).toFixed(1).padStart(5);
  const line =
    `${s}s ${phaseAt(elapsed()).padEnd(12)} | plain: ${String(plain.failed).padStart(4)} failed ${String(plain.inFlight).padStart(3)} waiting ` +
    `| breakwater: ${String(guarded.failed).padStart(4)} failed, breaker ${bw.breaker.state.padEnd(8)} pool ${String(bw.pool.active).padStart(2)}/20 ` +
    `retries ${String(retryCount).padStart(3)} | sent ${plain.sent} each`;
  if (TTY) {
    // One line, rewritten in place; cut to the terminal's width so that it never wraps.
    const width = (process.stdout.columns ?? 200) - 1;
    process.stdout.write(`\r\x1b[2K${line.slice(0, width)}${final ? '\n' : ''}`);
  } else console.log(line);
}

const calls = [];
const count = Math.round((TOTAL_MS / 1000) * RATE);
for (let i = 0; i < count; i++) {
  const due = t0 + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  calls.push(plain.run(() => fetch(plainService.url)));
  calls.push(guarded.run(() => bw.http(bwService.url)));
}
await Promise.all(calls);
clearInterval(sampler);
clearInterval(progress);
printProgress(true);
await plainService.close();
await bwService.close();

// ---------------------------------------------------------------------------
// The table.
const rows = [
  ['calls', plain.sent, guarded.sent],
  ['calls failed, as seen by the caller', plain.failed, guarded.failed],
  ['p50 latency', `${Math.round(plain.percentile(0.5))} ms`, `${Math.round(guarded.percentile(0.5))} ms`],
  ['p99 latency', `${Math.round(plain.percentile(0.99))} ms`, `${Math.round(guarded.percentile(0.99))} ms`],
  ['requests to the service during the outage', plainService.received.outage, bwService.received.outage],
  [
    'requests to the service in all',
    Object.values(plainService.received).reduce((a, b) => a + b, 0),
    Object.values(bwService.received).reduce((a, b) => a + b, 0),
  ],
];
const w0 = Math.max(...rows.map((r) => r[0].length));
const cell = (v) => String(v).padStart(12);
console.log(`\n${''.padEnd(w0)}  ${cell('plain fetch')}  ${cell('breakwater')}`);
for (const [label, a, b] of rows) console.log(`${label.padEnd(w0)}  ${cell(a)}  ${cell(b)}`);
console.log(
  `\nbreakwater: ${retryCount} retries, the breaker opened ${opens} times; failures during the outage were fast (BrokenCircuitError) instead of 1 s waits.`,
);

// ---------------------------------------------------------------------------
// The chart: error rate seen by callers, load on the service, breaker state.
const svg = chart();
mkdirSync(OUT_DIR, { recursive: true });
const svgPath = join(OUT_DIR, 'demo.svg');
writeFileSync(svgPath, svg);
const shown = relative(process.cwd(), svgPath);
console.log(
  `chart of the run (breaker state, error rate and load over time): ${shown.startsWith('..') ? svgPath : shown}`,
);

function chart() {
  const W = 900;
  const left = 60;
  const right = 20;
  const plotW = W - left - right;
  const x = (ms) => left + (ms / TOTAL_MS) * plotW;
  const bins = Math.ceil(TOTAL_MS / binMs());
  const panel = (top, height, title, series, max, unit) => {
    const y = (v) => top + height - (v / max) * height;
    let out = `<text x="${left}" y="${top - 6}" class="t">${title}</text>`;
    out += `<rect x="${left}" y="${top}" width="${plotW}" height="${height}" class="frame"/>`;
    for (const frac of [0, 0.5, 1]) {
      out += `<text x="${left - 6}" y="${y(max * frac) + 4}" class="a" text-anchor="end">${Math.round(max * frac)}${unit}</text>`;
    }
    for (const { values, color, label, dashed } of series) {
      const pts = [];
      for (let i = 0; i < bins; i++)
        if (values[i] !== undefined) pts.push(`${x((i + 0.5) * binMs()).toFixed(1)},${y(values[i]).toFixed(1)}`);
      out += `<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 3"' : ''}/>`;
      out += `<text x="${W - right - 4}" y="${top + 14 + series.findIndex((s) => s.label === label) * 14}" text-anchor="end" class="a" style="fill:${color};font-weight:600">${dashed ? '- - ' : '—— '}${label}</text>`;
    }
    return out;
  };
  const errorRate = (tally) => tally.bins.map((b) => (b && b.calls > 0 ? (100 * b.failed) / b.calls : undefined));
  const perSecond = (service) => Array.from({ length: bins }, (_, i) => ((service.perBin[i] ?? 0) * 1000) / binMs());
  const maxLoad = Math.max(10, ...perSecond(plainService), ...perSecond(bwService));

  let body = '';
  // Phase bands.
  let start = 0;
  for (const [i, p] of PHASES.entries()) {
    body += `<rect x="${x(start)}" y="30" width="${x(start + p.ms) - x(start)}" height="440" fill="${i % 2 ? '#f4f4f4' : '#fbfbfb'}"/>`;
    body += `<text x="${(x(start) + x(start + p.ms)) / 2}" y="24" text-anchor="middle" class="a">${p.name}</text>`;
    start += p.ms;
  }
  body += panel(
    50,
    150,
    'calls failed, as seen by the caller (%)',
    [
      { values: errorRate(guarded), color: '#1f6feb', label: 'breakwater' },
      { values: errorRate(plain), color: '#8c959f', label: 'plain fetch', dashed: true },
    ],
    100,
    '%',
  );
  body += panel(
    240,
    150,
    'requests reaching the service (per second)',
    [
      { values: perSecond(bwService), color: '#1f6feb', label: 'breakwater' },
      { values: perSecond(plainService), color: '#8c959f', label: 'plain fetch', dashed: true },
    ],
    maxLoad,
    '',
  );
  // Breaker state strip.
  body += `<text x="${left}" y="424" class="t">breakwater's circuit breaker</text>`;
  const colors = { closed: '#2da44e', open: '#cf222e', halfOpen: '#d4a72c', isolated: '#6e7781' };
  // One rectangle per run of the same state, from the first sample of the run to the next run.
  for (let i = 0; i < breakerSamples.length;) {
    const [ms, state] = breakerSamples[i];
    let j = i + 1;
    while (j < breakerSamples.length && breakerSamples[j][1] === state) j++;
    const next = j < breakerSamples.length ? breakerSamples[j][0] : TOTAL_MS;
    body += `<rect x="${x(ms).toFixed(1)}" y="432" width="${Math.max(0.5, x(next) - x(ms)).toFixed(1)}" height="20" fill="${colors[state]}"/>`;
    i = j;
  }
  body += `<text x="${left}" y="470" class="a"><tspan fill="${colors.closed}">closed</tspan>  <tspan fill="${colors.open}">open</tspan>  <tspan fill="${colors.halfOpen}">half-open</tspan>   time: 0 to ${(TOTAL_MS / 1000).toFixed(1)} s</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="480" viewBox="0 0 ${W} 480" font-family="system-ui, sans-serif">` +
    `<style>.t{font-size:13px;font-weight:600;fill:#24292f}.a{font-size:11px;fill:#57606a}.frame{fill:none;stroke:#d0d7de}</style>` +
    `<rect width="${W}" height="480" fill="white"/>${body}</svg>\n`
  );
}
