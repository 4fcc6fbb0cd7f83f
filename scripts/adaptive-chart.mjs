// Draws docs/adaptive-bulkhead.svg from the built package: AIMD, Gradient2 and
// Vegas against the simulated dependency of scripts/adaptive-sim.mjs
// (capacity 50, 50 ms, an open load of 1,200 calls/s), with a 5× latency step
// from 60 s to 68 s. All on a VirtualClock: the chart is the same on every run.
//
//   npm run build && node scripts/adaptive-chart.mjs [out.svg]
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { adaptiveBulkhead, pipeline, timeout } from '../dist/index.js';
import { VirtualClock } from '../dist/testing/index.js';
import { runLoad, simulatedDependency } from './adaptive-sim.mjs';

const C = 50;
const LATENCY_MS = 50;
const RATE = 1_200;
const DURATION_MS = 100_000;
const STEP = { from: 60_000, to: 68_000, slowdown: 5 };
const SAMPLE_MS = 500;
const out = process.argv[2] ?? fileURLToPath(new URL('../docs/adaptive-bulkhead.svg', import.meta.url));

async function simulate(algorithm) {
  const clock = new VirtualClock();
  const dependency = simulatedDependency({ clock, capacity: C, latencyMs: LATENCY_MS });
  const policy = adaptiveBulkhead({ algorithm, clock });
  // AIMD is loss-based: a timeout at 1.5× the healthy latency gives it its drops.
  const through = algorithm === 'aimd' ? pipeline(policy, timeout(LATENCY_MS * 1.5, { clock })) : policy;
  const { series } = await runLoad({
    clock,
    policy,
    execute: (fn) => through.execute(fn),
    dependency,
    ratePerSecond: RATE,
    durationMs: DURATION_MS,
    sampleEveryMs: SAMPLE_MS,
    steps: [
      { atMs: STEP.from, slowdown: STEP.slowdown },
      { atMs: STEP.to, slowdown: 1 },
    ],
  });
  return series;
}

const runs = [
  { name: 'AIMD', color: '#1f6feb', series: await simulate('aimd') },
  { name: 'Gradient2', color: '#cf222e', series: await simulate('gradient2') },
  { name: 'Vegas', color: '#2da44e', series: await simulate('vegas') },
];

const W = 900;
const left = 60;
const right = 20;
const plotW = W - left - right;
const x = (ms) => left + (ms / DURATION_MS) * plotW;
const fmt = (v) => v.toFixed(1);

function panel(top, height, title, pick, max, unit, reference) {
  const y = (v) => top + height - (Math.min(v, max) / max) * height;
  let svg = `<text x="${left}" y="${top - 6}" class="t">${title}</text>`;
  svg += `<rect x="${left}" y="${top}" width="${plotW}" height="${height}" class="frame"/>`;
  for (const frac of [0, 0.5, 1]) {
    svg += `<text x="${left - 6}" y="${fmt(y(max * frac) + 4)}" class="a" text-anchor="end">${Math.round(max * frac)}${unit}</text>`;
  }
  if (reference !== undefined) {
    svg += `<line x1="${left}" x2="${left + plotW}" y1="${fmt(y(reference.value))}" y2="${fmt(y(reference.value))}" stroke="#57606a" stroke-dasharray="4 3"/>`;
    svg += `<text x="${left + 4}" y="${fmt(y(reference.value) - 4)}" class="a">${reference.label}</text>`;
  }
  runs.forEach((run, i) => {
    const pts = [];
    for (const p of run.series) {
      const v = pick(p);
      if (v !== undefined) pts.push(`${fmt(x(p.t))},${fmt(y(v))}`);
    }
    svg += `<polyline points="${pts.join(' ')}" fill="none" stroke="${run.color}" stroke-width="1.8"/>`;
    svg += `<text x="${W - right - 4}" y="${top + 14 + i * 14}" text-anchor="end" class="a" style="fill:${run.color};font-weight:600">${run.name}</text>`;
  });
  return svg;
}

const maxOf = (pick) => Math.max(...runs.flatMap((r) => r.series.map(pick).filter((v) => v !== undefined)));
const perSecond = (p) => (p.rejected * 1000) / SAMPLE_MS;
let body = `<rect x="${fmt(x(STEP.from))}" y="30" width="${fmt(x(STEP.to) - x(STEP.from))}" height="660" fill="#fff8c5"/>`;
body += `<text x="${fmt((x(STEP.from) + x(STEP.to)) / 2)}" y="24" text-anchor="middle" class="a">5× latency</text>`;
body += panel(50, 140, 'limit', (p) => p.limit, 80, '', { value: C, label: `capacity C = ${C}` });
body += panel(220, 140, 'calls in flight', (p) => p.active, 80, '', { value: C, label: `C = ${C}` });
body += panel(
  390,
  130,
  'mean latency of the calls that completed (ms)',
  (p) => p.latencyMs,
  Math.ceil(maxOf((p) => p.latencyMs ?? 0) / 50) * 50,
  '',
);
body += panel(
  550,
  130,
  'rejections per second (BulkheadRejectedError, reason "limit")',
  perSecond,
  Math.ceil(maxOf(perSecond) / 100) * 100,
  '',
);
for (let s = 0; s <= DURATION_MS / 1000; s += 10) {
  body += `<text x="${fmt(x(s * 1000))}" y="700" text-anchor="middle" class="a">${s} s</text>`;
}
const H = 712;
const svg =
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif">` +
  `<style>.t{font-size:13px;font-weight:600;fill:#24292f}.a{font-size:11px;fill:#57606a}.frame{fill:none;stroke:#d0d7de}</style>` +
  `<rect width="${W}" height="${H}" fill="white"/>${body}</svg>\n`;
writeFileSync(out, svg);
console.log(`adaptive bulkhead chart: ${out}`);
