// The service both metrics examples run: a node:http server whose calls to a dependency go
// through a pipeline (retry, circuit breaker, bulkhead, timeout). The dependency is simulated
// in-process so that an outage can be switched on and off over HTTP:
//   GET  /quote            one call to the dependency through the pipeline (200, or 503 when refused)
//   POST /dependency/down  the dependency starts failing       POST /dependency/up  it recovers
//   GET  /metrics          whatever the example serves (Prometheus text, or OpenTelemetry data)
// Each example passes `metrics(req, res)` and instruments `policy`.
import { createServer } from 'node:http';
import { bulkhead, circuitBreaker, pipeline, retry, retryBudget, timeout } from 'breakwater';

export function createApp({ openFor = 2_000 } = {}) {
  let down = false;
  /** The dependency: answers in ~5 ms, or fails while it is down. */
  const dependency = ({ signal }) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => (down ? reject(new Error('dependency unavailable')) : resolve({ price: 42 })), 5);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });

  const budget = retryBudget({ ratio: 0.2, minPerSecond: 2 });
  const policy = pipeline(
    { name: 'quotes' },
    retry({ name: 'quotes-retry', maxAttempts: 3, budget, idempotent: true }),
    circuitBreaker({ name: 'quotes-breaker', window: { kind: 'consecutive', failures: 5 }, openFor }),
    bulkhead({ name: 'quotes-bulkhead', maxConcurrent: 8, maxQueue: 16 }),
    timeout(250, { name: 'quotes-timeout' }),
  );

  function listen(metrics, port = 0) {
    const server = createServer(async (req, res) => {
      try {
        if (req.url === '/metrics') return await metrics(req, res);
        if (req.url === '/quote') {
          try {
            const quote = await policy.execute(dependency);
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(quote));
          } catch (error) {
            res.writeHead(503, { 'content-type': 'text/plain' }).end(`${error.name}: ${error.message}`);
          }
          return;
        }
        if (req.method === 'POST' && (req.url === '/dependency/down' || req.url === '/dependency/up')) {
          down = req.url === '/dependency/down';
          res.writeHead(204).end();
          return;
        }
        res.writeHead(404).end();
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
    return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
  }

  return { policy, budget, listen };
}
