// A TCP proxy in front of PostgreSQL, so that the example can "stop the
// server" and start it again without the rights to stop your PostgreSQL: to
// the client, a closed proxy is a stopped server (connections reset, new ones
// refused).
import { connect, createServer } from 'node:net';

export async function startProxy(targetHost, targetPort) {
  const sockets = new Set();
  let server;
  let port = 0;

  async function listen() {
    server = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = server.address().port;
  }

  await listen();
  return {
    get port() {
      return port;
    },
    /** Like stopping the server: every connection drops, new ones are refused. */
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
    /** Like starting it again, on the same port. */
    start: listen,
  };
}
