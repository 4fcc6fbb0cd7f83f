// The CommonJS build of breakwater/compat/opossum sets module.exports to the
// CircuitBreaker class, as opossum's own module does (so `require()` hands back
// the class). Its types must say the same: tsup writes a default export into
// index.d.cts, and this rewrites it as `export =` (the names the default export
// carried stay reachable as CircuitBreaker.Options, .Stats, .Status, …).
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../dist/compat/opossum/index.d.cts', import.meta.url);
const text = readFileSync(file, 'utf8');
const line = /^export \{[^}]*\bCircuitBreaker as default\b[^}]*\};$/m;
if (!line.test(text))
  throw new Error('dist/compat/opossum/index.d.cts: no default export of CircuitBreaker to rewrite');
writeFileSync(file, text.replace(line, 'export = CircuitBreaker;'));
