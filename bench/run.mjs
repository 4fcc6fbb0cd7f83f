// Benchmark harness: every file in bench/suites registers mitata groups (and,
// optionally, wall-clock scenarios). Each group marks one row as its baseline;
// the report gives ns per call and the ratio of every row to that baseline.
// Usage: npm run bench [-- <filter>]   (the filter matches suite file names)
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { bench, group, run, do_not_optimize } from 'mitata';
import * as lib from '../dist/index.js';
import * as testing from '../dist/testing/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = (await readdir(join(here, 'suites'))).filter((f) => f.endsWith('.mjs')).sort();
const suites = [];
for (const file of files) {
  if (filter !== undefined && !file.includes(filter)) continue;
  suites.push({ file, mod: await import(pathToFileURL(join(here, 'suites', file)).href) });
}

const groups = []; // { title, rows: [{ name, baseline }] }
const api = {
  lib,
  testing,
  do_not_optimize,
  /** Declares a group; `rows` is a list of [name, fn, { baseline }]. */
  compare(title, rows) {
    // mitata reports by alias: make each one unique across groups, show only the row name.
    const entry = {
      title,
      rows: rows.map(([name, , opts]) => ({ name, alias: `${title} :: ${name}`, baseline: opts?.baseline === true })),
    };
    groups.push(entry);
    group(title, () => {
      for (const [name, fn, opts] of rows) {
        const b = bench(`${title} :: ${name}`, fn);
        if (opts?.baseline === true) b.baseline(true);
      }
    });
  },
};

for (const { mod } of suites) await mod.register?.(api);

const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const result = await run({ format: 'quiet', throw: true });
const byName = new Map();
for (const trial of result.benchmarks) {
  for (const r of trial.runs) if (r.stats !== undefined) byName.set(trial.alias, r.stats.avg);
}

console.log(`\nbreakwater benchmark — Node ${process.version}, ${process.platform}/${process.arch}\n`);
for (const g of groups) {
  const base = g.rows.find((r) => r.baseline);
  const baseNs = base === undefined ? undefined : byName.get(base.alias);
  console.log(`## ${g.title}\n`);
  console.log(`| what | ns/call | × ${base === undefined ? '' : base.name} |`);
  console.log('|---|---:|---:|');
  for (const row of g.rows) {
    const ns = byName.get(row.alias);
    if (ns === undefined) continue;
    const ratio = baseNs === undefined ? '' : `${(ns / baseNs).toFixed(2)}×`;
    console.log(`| ${row.name} | ${fmt(ns)} | ${ratio} |`);
  }
  console.log('');
}

// Wall-clock scenarios (queues, many concurrent calls) run after the micro benchmarks.
for (const { mod } of suites) {
  if (typeof mod.scenarios !== 'function') continue;
  await mod.scenarios(api);
}
