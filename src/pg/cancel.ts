import { connect } from 'node:net';
import { subscribeToAbort, unsubscribeFromAbort, type AbortSubscriber, type Context } from 'breakwater';
import type { PoolClient } from 'pg';
import { CANCEL_GRACE_MS } from './constants.js';

/** What pg keeps on a connected client that a cancel request needs; @types/pg declares only part of it. */
interface BackendKey {
  processID?: unknown;
  secretKey?: unknown;
  host?: unknown;
  port?: unknown;
  connection?: { stream?: { destroy?: () => void } };
}

/** The protocol's CancelRequest code (1234 << 16 | 5678). */
const CANCEL_REQUEST_CODE = 80877102;

/**
 * Sends PostgreSQL's cancel request for the statement running on `client`:
 * a 16-byte message on a new connection, no authentication, no backend
 * started. Resolves once the server took it (it closes the connection);
 * rejects when the server could not be reached.
 */
export function sendCancelRequest(client: PoolClient): Promise<void> {
  const key = client as unknown as BackendKey;
  const { processID, secretKey, host, port } = key;
  if (typeof processID !== 'number' || typeof secretKey !== 'number' || typeof port !== 'number') {
    return Promise.reject(new Error('the client has no backend key to cancel with'));
  }
  return new Promise((resolve, reject) => {
    const socket =
      typeof host === 'string' && host.startsWith('/')
        ? connect(`${host}/.s.PGSQL.${port}`)
        : connect(port, typeof host === 'string' ? host : 'localhost');
    const message = Buffer.alloc(16);
    message.writeInt32BE(16, 0);
    message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    message.writeInt32BE(processID, 8);
    message.writeInt32BE(secretKey, 12);
    socket.setTimeout(CANCEL_GRACE_MS, () => socket.destroy(new Error('the cancel request timed out')));
    socket.once('connect', () => socket.end(message));
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (!hadError) resolve();
    });
  });
}

/** Closes the client's connection at once; its running query rejects. */
export function destroyConnection(client: PoolClient): void {
  const stream = (client as unknown as BackendKey).connection?.stream;
  if (stream?.destroy !== undefined) stream.destroy();
  else client.end().catch(ignore);
}

function ignore(): void {}

/**
 * Watches one checked-out client while a statement (or a transaction) runs
 * in an attempt. When the attempt's signal aborts it asks the server to
 * cancel, and closes the connection if the cancel cannot be sent or the work
 * has not ended within {@link CANCEL_GRACE_MS}. Whoever owns the client
 * releases it as broken when `finish()` says the signal aborted. It listens
 * through `subscribeToAbort`, so a call that nothing can abort builds no signal.
 */
export class CancelOnAbort implements AbortSubscriber {
  /** The attempt's signal aborted (before the watch began, too). */
  aborted = false;
  private readonly client: PoolClient;
  private readonly ctx: Context;
  private readonly mark: { broken: boolean } | undefined;
  private readonly watching: boolean;
  private live = false;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;

  /** `mark.broken` is set the moment the signal aborts, for a client that its holder releases. */
  constructor(client: PoolClient, ctx: Context, mark?: { broken: boolean }) {
    this.client = client;
    this.ctx = ctx;
    this.mark = mark;
    this.watching = subscribeToAbort(ctx, this);
    this.live = true;
  }

  /** The attempt's signal aborted. */
  handleEvent(): void {
    if (this.aborted) return;
    this.aborted = true;
    if (this.mark !== undefined) this.mark.broken = true;
    // Aborted before anything was sent: nothing to cancel.
    if (!this.live) return;
    const client = this.client;
    this.timer = setTimeout(() => destroyConnection(client), CANCEL_GRACE_MS);
    sendCancelRequest(client).catch(() => destroyConnection(client));
  }

  /** Why the attempt aborted (read only once it has). */
  get reason(): unknown {
    return this.ctx.signal.reason;
  }

  /** Stops watching; true when the signal aborted (the client must not go back to the pool as it is). */
  finish(): boolean {
    if (this.watching) unsubscribeFromAbort(this.ctx, this);
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    return this.aborted;
  }
}
