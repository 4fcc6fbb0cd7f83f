// A stand-in for the payments service the health example depends on: a real HTTP
// server on 127.0.0.1 that echoes the correlation ID it received, and goes down on command.
//   POST /outage    every request gets 503 from now on
//   POST /recover   healthy again
import { createServer } from 'node:http';

export async function startDownstream() {
  let down = false;
  const server = createServer((req, res) => {
    if (req.method === 'POST' && (req.url === '/outage' || req.url === '/recover')) {
      down = req.url === '/outage';
      res.writeHead(204).end();
      return;
    }
    const body = JSON.stringify({ path: req.url, correlationId: req.headers['x-correlation-id'] ?? null });
    res.writeHead(down ? 503 : 200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
