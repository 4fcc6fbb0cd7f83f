// A cached client in front of a real HTTP dependency: a burst of callers costs one
// request per key, and while the dependency is down the cached answers keep coming.
//   npm run build && node examples/cache/index.mjs          (a table)
//   node examples/cache/index.mjs --json                    (one JSON line, for the test)
import { createServer } from 'node:http';
import { pipeline, retry, timeout } from 'breakwater';
import { cache } from 'breakwater/cache';

const json = process.argv.includes('--json');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The dependency: answers each product after 20 ms, counts what it receives.
let received = 0;
const server = createServer((req, res) => {
  received++;
  setTimeout(
    () => res.setHeader('content-type', 'application/json').end(JSON.stringify({ id: req.url.slice(10), price: 10 })),
    20,
  );
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

// Fresh for 1 s; after that, an answer may stand in for a failure for 5 s more.
const products = cache({ name: 'products', ttl: 1_000, staleIfError: 5_000 });
const events = { hit: 0, miss: 0, coalesced: 0, stale: 0 };
for (const event of Object.keys(events)) products.on(event, () => events[event]++);
const client = pipeline(products, retry({ maxAttempts: 2 }), timeout(500));

const getProduct = (id) =>
  client.execute(
    async ({ signal }) => {
      const res = await fetch(`${base}/products/${id}`, { signal });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json();
    },
    { key: `product:${id}`, idempotent: true }, // a read: cached and shared
  );

/** Fires `calls` concurrent calls (call `i` asks for product `idOf(i)`) and counts what came back. */
async function phase(name, calls, idOf) {
  const before = { received, ...events };
  const results = await Promise.allSettled(Array.from({ length: calls }, (_, i) => getProduct(idOf(i))));
  return {
    phase: name,
    calls,
    ok: results.filter((r) => r.status === 'fulfilled').length,
    dependencyRequests: received - before.received,
    stale: events.stale - before.stale,
    coalesced: events.coalesced - before.coalesced,
  };
}

const phases = [];
const tenProducts = (i) => `p${i % 10}`;
phases.push(await phase('burst: 1,000 calls for 10 products', 1_000, tenProducts));
phases.push(await phase('again, while fresh', 1_000, tenProducts));
await sleep(1_100); // every entry expired, still within ttl + staleIfError
server.closeAllConnections();
await new Promise((resolve) => server.close(resolve)); // the outage: connections refused
phases.push(await phase('outage: served stale', 1_000, tenProducts));
phases.push(await phase('outage: a product never cached', 1, () => 'p-new'));

if (json) {
  console.log(JSON.stringify({ phases, size: products.size }));
} else {
  console.log('| phase | calls | ok | dependency requests | coalesced | stale |\n|---|---:|---:|---:|---:|---:|');
  for (const p of phases)
    console.log(`| ${p.phase} | ${p.calls} | ${p.ok} | ${p.dependencyRequests} | ${p.coalesced} | ${p.stale} |`);
}
