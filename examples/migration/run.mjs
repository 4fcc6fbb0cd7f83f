// node examples/migration/run.mjs <cockatiel|opossum> <peer|shim>
// Drives one client through the same scripted outage and prints what it saw, as JSON.
import { scriptedInventory, sleep } from './dependency.mjs';

const [peer, variant] = process.argv.slice(2);
const file = `./${peer}-client${variant === 'shim' ? '.shim' : ''}.mjs`;
const { stockClient } = await import(file);
// The outage: failures, one call too slow for the timeout, then the service is back.
const script =
  peer === 'cockatiel' ? ['ok', 'fail', 'fail', 'fail', 'slow', 'ok'] : ['ok', 'fail', 'fail', 'slow', 'ok'];
const inventory = scriptedInventory(script);
const client = stockClient(inventory.lookup);
const results = [];
const record = async (label, promise) => results.push([label, await promise.catch((e) => `rejected: ${e.message}`)]);

await record('first', client.stock('a-1'));
await record('outage', client.stock('a-2'));
await record('outage again', client.stock('a-3'));
if (peer === 'cockatiel') await record('while open', client.strict('a-4'));
else await record('while open', client.stock('a-4'));
await sleep(400);
await record('after the pause', client.stock('a-5'));
await sleep(400);
await record('recovered', client.stock('a-6'));
await record('steady', client.stock('a-7'));
const summary = client.summary?.();
client.breaker?.shutdown();
console.log(JSON.stringify({ results, events: client.events, calls: inventory.seen, summary }));
