// Loads the built package through require() and import() on this Node, Node 22,
// Node 24 and Node 26 (the `node` package from the npm registry ships a real binary),
// and runs one call through each entry point; then runs a pipeline through the
// root and testing entries on Bun and Deno (both also installed from npm).
// BREAKWATER_COMPAT_LOCAL=1 skips every runtime but this Node (no downloads).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
// A throwaway project where `breakwater` resolves to this package, as a user would see it.
const app = mkdtempSync(join(tmpdir(), 'breakwater-compat-'));
mkdirSync(join(app, 'node_modules'));
symlinkSync(root, join(app, 'node_modules', 'breakwater'), 'dir');
// Deno resolves bare specifiers through node_modules only inside a package.
writeFileSync(join(app, 'package.json'), '{ "private": true }\n');

const cjs = `
const bw = require('breakwater');
const { VirtualClock } = require('breakwater/testing');
const { resilientFetch } = require('breakwater/fetch');
// breakwater/pg loads without pg installed: it uses pg's types only.
const { resilientPool, isPgClientError } = require('breakwater/pg');
if (typeof resilientPool !== 'function' || !isPgClientError({ code: '23505' })) process.exit(1);
const { cache } = require('breakwater/cache');
// breakwater/otel loads without @opentelemetry/api installed: it names it in types only.
if (typeof require('breakwater/otel').instrument !== 'function') process.exit(1);
const cockatiel = require('breakwater/compat/cockatiel');
const CircuitBreaker = require('breakwater/compat/opossum');
if (typeof resilientFetch !== 'function' || typeof bw.retry !== 'function' || typeof bw.bulkhead !== 'function') process.exit(1);
// opossum's module is the class itself; cockatiel's a set of named exports.
if (typeof CircuitBreaker !== 'function' || typeof cockatiel.retry !== 'function') process.exit(1);
new CircuitBreaker(() => 'ok').fire().then((v) => { if (v !== 'ok') process.exit(1); });
const { redisStore } = require('breakwater/redis');
if (typeof redisStore !== 'function') process.exit(1);
const clock = new VirtualClock();
const p = bw.pipeline(bw.timeout(10, { clock }), cache({ ttl: 10, clock }));
p.execute(() => 'ok', { key: 'k', idempotent: true }).then((v) => p.execute(() => 'again', { key: 'k', idempotent: true }).then((w) => {
  if (v !== 'ok' || w !== 'ok' || typeof bw.TimeoutError !== 'function') process.exit(1);
  console.log('require: ok on ' + process.version);
}));`;
const esm = `
import { pipeline, timeout, TimeoutError } from 'breakwater';
import { VirtualClock } from 'breakwater/testing';
import { resilientFetch } from 'breakwater/fetch';
import { resilientPool, isPgRolledBack } from 'breakwater/pg';
import { cache } from 'breakwater/cache';
if (typeof resilientFetch !== 'function') process.exit(1);
if (typeof resilientPool !== 'function' || !isPgRolledBack({ code: '40001' })) process.exit(1);
import { instrument } from 'breakwater/otel';
if (typeof instrument !== 'function') process.exit(1);
import { handleAll, retry as cockatielRetry } from 'breakwater/compat/cockatiel';
import CircuitBreaker from 'breakwater/compat/opossum';
if ((await cockatielRetry(handleAll, { maxAttempts: 1 }).execute(() => 1)) !== 1) process.exit(1);
const breaker = new CircuitBreaker(() => 'ok');
if ((await breaker.fire()) !== 'ok') process.exit(1);
breaker.shutdown();
import { redisStore } from 'breakwater/redis';
if (typeof redisStore !== 'function') process.exit(1);
const clock = new VirtualClock();
const v = await pipeline(timeout(10, { clock })).execute(() => 'ok');
const cached = pipeline(timeout(10, { clock }), cache({ ttl: 10, clock }));
await cached.execute(() => 'first', { key: 'k', idempotent: true });
const w = await cached.execute(() => 'second', { key: 'k', idempotent: true });
if (v !== 'ok' || w !== 'first' || typeof TimeoutError !== 'function') process.exit(1);
console.log('import: ok on ' + process.version);`;

// Runs in any runtime with ES modules and web APIs: no process, no node: imports.
const probe = `
import { bulkhead, circuitBreaker, pipeline, retry, timeout, TimeoutError } from 'breakwater';
import { VirtualClock } from 'breakwater/testing';
const clock = new VirtualClock();
const p = pipeline(retry({ maxAttempts: 2 }), circuitBreaker(), bulkhead({ maxConcurrent: 1, maxQueue: 1 }), timeout(10, { clock }));
const value = await p.execute(() => 'ok');
const late = p
  .execute(({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))))
  .catch((error) => error);
await clock.advance(10);
const error = await late;
if (value !== 'ok' || !(error instanceof TimeoutError) || error.ms !== 10) throw new Error('probe failed');
console.log('root entry: ok on ' + RUNTIME);`;

// The CommonJS build must carry p-limit itself (docs/decisions/0001-commonjs-and-p-limit.md).
for (const file of [
  'dist/index.cjs',
  'dist/testing/index.cjs',
  'dist/fetch/index.cjs',
  'dist/pg/index.cjs',
  'dist/cache/index.cjs',
  'dist/compat/cockatiel/index.cjs',
  'dist/compat/opossum/index.cjs',
  'dist/redis/index.cjs',
]) {
  const text = readFileSync(join(root, file), 'utf8');
  if (/require\(["'](p-limit|yocto-queue)["']\)/.test(text)) throw new Error(`${file} requires an ESM-only package`);
}
// lru-cache belongs to breakwater/cache alone: no other entry (nor a chunk they share) loads it.
for (const file of [
  'dist/index.js',
  'dist/index.cjs',
  'dist/testing/index.js',
  'dist/testing/index.cjs',
  'dist/fetch/index.js',
  'dist/fetch/index.cjs',
]) {
  const text = readFileSync(join(root, file), 'utf8');
  const chunks = [...text.matchAll(/from ["'](\.\.?\/[^"']+)["']/g)].map((m) =>
    readFileSync(join(root, file, '..', m[1]), 'utf8'),
  );
  if ([text, ...chunks].some((t) => t.includes('lru-cache')))
    throw new Error(`${file} loads lru-cache, which only breakwater/cache may`);
}

const others = process.env.BREAKWATER_COMPAT_LOCAL !== '1';
const nodes = [['this node', process.execPath, []]];
if (others)
  nodes.push(
    ['node 22', 'npx', ['-y', 'node@22']],
    ['node 24', 'npx', ['-y', 'node@24']],
    ['node 26', 'npx', ['-y', 'node@26']],
  );
const runtimes = others
  ? [
      ['bun', 'npx', ['-y', 'bun@1'], 'Bun.version'],
      ['deno', 'npx', ['-y', 'deno@2', 'run'], 'Deno.version.deno'],
    ]
  : [];
try {
  for (const [label, cmd, pre] of nodes) {
    for (const [kind, args] of [
      ['cjs', ['-e', cjs]],
      ['esm', ['--input-type=module', '-e', esm]],
    ]) {
      const out = execFileSync(cmd, [...pre, ...args], {
        cwd: app,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      process.stdout.write(
        out
          .split('\n')
          .filter((l) => /: ok on /.test(l))
          .join('\n') + '\n',
      );
      if (!/: ok on /.test(out)) throw new Error(`${label} ${kind}: no confirmation in output:\n${out}`);
    }
  }
  for (const [label, cmd, pre, version] of runtimes) {
    const file = join(app, `probe-${label}.mjs`);
    writeFileSync(file, probe.replace('RUNTIME', `'${label} ' + ${version}`));
    const out = execFileSync(cmd, [...pre, file], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    process.stdout.write(
      out
        .split('\n')
        .filter((l) => /: ok on /.test(l))
        .join('\n') + '\n',
    );
    if (!/: ok on /.test(out)) throw new Error(`${label}: no confirmation in output:\n${out}`);
  }
} finally {
  rmSync(app, { recursive: true, force: true });
}
