// A real HTTP server on 127.0.0.1 for the fetch tests: each test scripts its
// answers; the server records what it received and which sockets are open.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void;

export class LocalServer {
  readonly received: Received[] = [];
  /** Connections accepted since the server started. */
  connections = 0;
  /** Connections currently open. */
  readonly sockets = new Set<Socket>();
  /** Sockets whose current response is not yet fully written (the client has not read it). */
  readonly busy = new Set<Socket>();
  /** Requests whose connection closed before the response was finished. */
  abortedResponses = 0;
  handler: Handler = (_req, res) => res.end('ok');
  private server: Server | undefined;

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const socket = req.socket;
        this.busy.add(socket);
        res.on('close', () => {
          this.busy.delete(socket);
          if (!res.writableFinished) this.abortedResponses++;
        });
        this.handler(req, res, this.received.length, body);
      });
    });
    server.on('connection', (socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }

  reset(handler: Handler): void {
    this.received.length = 0;
    this.abortedResponses = 0;
    this.handler = handler;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Answers `status` with a body, and a `Retry-After` when given. */
export function reply(res: ServerResponse, status: number, body: string | Buffer, retryAfter?: string): void {
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain',
    'content-length': Buffer.byteLength(body),
  };
  if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
  res.writeHead(status, headers);
  res.end(body);
}
