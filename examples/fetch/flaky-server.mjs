// A real HTTP server on 127.0.0.1 that misbehaves on command, for the fetch example.
//
//   healthy  answers 200 after 5 ms
//   tail     a latency tail: the first request for every 10th item takes 400 ms (a
//            cold cache), every other request 5 ms
//   burst    a 503 burst: for the first 300 ms of the phase every request gets
//            503 with `Retry-After: 1`, then the server is healthy again
//   down     an outage: every request gets 503 at once, without Retry-After
//
// The server counts what it received per mode, so the example can show how much
// load reached it while it was sick.
import { createServer } from 'node:http';

const BURST_MS = 300;

export async function startFlakyServer() {
  let mode = 'healthy';
  let modeSince = performance.now();
  let n = 0;
  const received = { healthy: 0, tail: 0, burst: 0, down: 0 };
  const seen = new Set();

  const server = createServer((req, res) => {
    n++;
    received[mode]++;
    const answer = (status, delay, headers = {}) => {
      const send = () => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify({ status, n }));
      };
      if (delay === 0) return send();
      const timer = setTimeout(send, delay);
      // A client that gives up (a timeout aborted its fetch) frees the server too.
      res.on('close', () => clearTimeout(timer));
    };
    switch (mode) {
      case 'tail': {
        const cold = !seen.has(req.url) && /\/items\/\d*9$/.test(req.url ?? '');
        seen.add(req.url);
        return answer(200, cold ? 400 : 5);
      }
      case 'burst':
        return performance.now() - modeSince < BURST_MS ? answer(503, 0, { 'retry-after': '1' }) : answer(200, 5);
      case 'down':
        return answer(503, 0);
      default:
        return answer(200, 5);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    get mode() {
      return mode;
    },
    set mode(next) {
      mode = next;
      modeSince = performance.now();
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
