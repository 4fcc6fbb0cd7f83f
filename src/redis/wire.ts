/**
 * How the store talks to each client: node-redis (`redis` >= 4) and ioredis
 * (>= 5), single server or cluster, told apart by shape. The table below is
 * the whole translation: how to send raw arguments, and where the client
 * keeps its offline-queue switch.
 */

/** Sends one command; `firstKey` routes it in a cluster. */
export type Send = (firstKey: string, args: readonly string[]) => Promise<unknown>;

/** The client's kind, for messages and tests. */
export type ClientKind = 'ioredis' | 'ioredis-cluster' | 'node-redis' | 'node-redis-cluster';

/** What the store needs from a client. */
export interface Wire {
  readonly kind: ClientKind;
  readonly send: Send;
}

type Shape = Record<string, unknown>;
type Call = (command: string, args: readonly string[]) => Promise<unknown>;
type SendCommand = (...args: unknown[]) => Promise<unknown>;

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Shape)[name] : undefined;
}

interface Row {
  readonly kind: ClientKind;
  /** Does the object look like this client? */
  readonly is: (c: Shape) => boolean;
  /** Is its offline queue off (a dead server then fails a command at once)? */
  readonly offlineQueueOff: (c: Shape) => boolean;
  /** How to switch it off, for the message. */
  readonly howToTurnOff: string;
  readonly send: (c: Shape) => Send;
}

const isIoredis = (c: Shape): boolean =>
  typeof c.call === 'function' && typeof c.options === 'object' && typeof c.isCluster === 'boolean';
const isNodeRedis = (c: Shape): boolean => typeof c.sendCommand === 'function';
const isNodeRedisCluster = (c: Shape): boolean =>
  isNodeRedis(c) &&
  (typeof c.getSlotRandomNode === 'function' || typeof c.getSlotMaster === 'function' || 'masters' in c);

const ioredisSend = (c: Shape): Send => {
  const call = (c.call as Call).bind(c);
  return (_key, args) => call(args[0] as string, args.slice(1));
};

const CLIENTS: readonly Row[] = [
  {
    kind: 'ioredis-cluster',
    is: (c) => isIoredis(c) && c.isCluster === true,
    offlineQueueOff: (c) => field(c.options, 'enableOfflineQueue') === false,
    howToTurnOff: 'new Cluster(nodes, { enableOfflineQueue: false })',
    send: ioredisSend,
  },
  {
    kind: 'ioredis',
    is: (c) => isIoredis(c) && c.isCluster === false,
    offlineQueueOff: (c) => field(c.options, 'enableOfflineQueue') === false,
    howToTurnOff: 'new Redis({ enableOfflineQueue: false })',
    send: ioredisSend,
  },
  {
    kind: 'node-redis-cluster',
    is: isNodeRedisCluster,
    offlineQueueOff: (c) => field(field(c.options ?? c._options, 'defaults'), 'disableOfflineQueue') === true,
    howToTurnOff: 'createCluster({ rootNodes, defaults: { disableOfflineQueue: true } })',
    send: (c) => {
      const send = (c.sendCommand as SendCommand).bind(c);
      return (key, args) => send(key, false, args);
    },
  },
  {
    kind: 'node-redis',
    is: (c) => isNodeRedis(c) && !isNodeRedisCluster(c),
    offlineQueueOff: (c) => field(c.options, 'disableOfflineQueue') === true,
    howToTurnOff: 'createClient({ disableOfflineQueue: true })',
    send: (c) => {
      const send = (c.sendCommand as SendCommand).bind(c);
      return (_key, args) => send(args);
    },
  },
];

/** The wire for `client`, or a `TypeError` saying what is wrong with it. */
export function wireFor(policy: string, client: unknown): Wire {
  if (typeof client !== 'object' || client === null) {
    throw new TypeError(
      `${policy}: client must be a node-redis or ioredis client or cluster, got ${client === null ? 'null' : typeof client}`,
    );
  }
  const c = client as Shape;
  const row = CLIENTS.find((r) => r.is(c));
  if (row === undefined) {
    throw new TypeError(
      `${policy}: client must be a node-redis or ioredis client or cluster, got an object that is neither`,
    );
  }
  if (!row.offlineQueueOff(c)) {
    throw new TypeError(
      `${policy}: client must have its offline queue off (a dead server would queue every call), got a ${row.kind} client with it on; use ${row.howToTurnOff}`,
    );
  }
  return { kind: row.kind, send: row.send(c) };
}
