// A service instance that says how its dependencies are and lets one request be
// followed across services: health() as its readiness endpoint, the correlation ID
// of each incoming request sent on every outgoing call, and every policy event logged.
//   npm run build && node examples/metrics/health-server.mjs
//   curl -i http://127.0.0.1:<port>/ready                                  200 ok/degraded, 503 down
//   curl -H 'x-correlation-id: abc' http://127.0.0.1:<port>/orders/1      the ID reaches payments
// It prints {"url", "downstream"} first, then one JSON log line per policy event.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { circuitBreaker, constant, health, logEvents, pipeline, retry, timeout } from 'breakwater';
import { resilientFetch } from 'breakwater/fetch';
import { startDownstream } from './health-downstream.mjs';

/**
 * A readiness handler: 200 while every dependency is `ok` or `degraded`, 503 while one is
 * `down`, the report as the body. Readiness, not liveness: a load balancer stops sending
 * traffic to an instance whose dependency is down, while restarting it would only spread
 * the outage (the new instance finds the same dependency down).
 */
function readiness(target) {
  return (_req, res) => {
    const report = health(target);
    res.writeHead(report.status === 'down' ? 503 : 200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    res.end(JSON.stringify(report));
  };
}

/** A logger of pino's shape writing JSON lines to stdout; in a service, pass your pino logger itself. */
const jsonLines = Object.fromEntries(
  ['debug', 'info', 'warn', 'error'].map((level) => [
    level,
    (record, msg) => process.stdout.write(`${JSON.stringify({ level, msg, ...record })}\n`),
  ]),
);

const downstream = await startDownstream();

// The incoming request's correlation ID, for every call made while serving it.
const incoming = new AsyncLocalStorage();

// Payments: two attempts, a breaker that opens after three failures in a row for 500 ms, 1 s per attempt.
const payments = pipeline(
  retry({ name: 'payments-retry', maxAttempts: 2, backoff: constant(20) }),
  circuitBreaker({ name: 'payments', window: { kind: 'consecutive', failures: 3 }, openFor: 500 }),
  timeout(1_000, { name: 'payments-timeout' }),
);
const paymentsHttp = resilientFetch(payments, { correlationId: () => incoming.getStore() });
// Per-call events would be noise here: log the breaker's transitions and what retry does.
const log = logEvents(payments, jsonLines, { levels: { success: false, attempt: false } });

const server = createServer((req, res) => {
  if (req.url === '/ready') return readiness(payments)(req, res);
  // Take the caller's ID, or start one: every log line and outgoing call of this request carries it.
  const correlationId = req.headers['x-correlation-id'] ?? randomUUID();
  incoming.run(correlationId, async () => {
    res.setHeader('x-correlation-id', correlationId);
    try {
      const answer = await paymentsHttp(`${downstream.url}${req.url}`);
      const body = await answer.text();
      res.writeHead(answer.ok ? 200 : 502, { 'content-type': 'application/json' }).end(body);
    } catch (error) {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.name }));
    }
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, downstream: downstream.url }));

const stop = async () => {
  log.detach();
  server.closeAllConnections();
  await Promise.all([new Promise((resolve) => server.close(resolve)), downstream.close()]);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
