// The example service with Prometheus metrics: /metrics is served from a private prom-client
// Registry (never the global one, no default metrics). Run after `npm run build`:
//   node examples/metrics/service.mjs [port]      then: curl localhost:<port>/metrics
// It prints {"port": N} once it listens (the end-to-end test reads that line).
import { Registry } from 'prom-client';
import { instrument } from 'breakwater/prometheus';
import { createApp } from './app.mjs';

const registry = new Registry();
const app = createApp({ openFor: Number(process.env.OPEN_FOR_MS ?? 2_000) });
instrument(app.policy, { registry, labels: { service: 'quotes' } });

const server = await app.listen(
  async (_req, res) => {
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
  },
  Number(process.argv[2] ?? 0),
);
console.log(JSON.stringify({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
