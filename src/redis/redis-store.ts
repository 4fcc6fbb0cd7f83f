import {
  type BreakerReport,
  type BreakerView,
  type BucketRule,
  type Grant,
  StoreBase,
  type StoreReply,
  systemClock,
} from 'breakwater';
import { KeyLayout } from './keys.js';
import { BREAKER, PROBE, TAKE, UNPROBE } from './scripts.js';
import { sha1 } from './sha1.js';
import type { ClientKind, Send, Wire } from './wire.js';

/** A Lua script and its SHA-1, for EVALSHA. */
class Script {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = sha1(source);
  }
}

const SCRIPTS = {
  take: new Script(TAKE),
  breaker: new Script(BREAKER),
  probe: new Script(PROBE),
  unprobe: new Script(UNPROBE),
};

/** A reply the store cannot use: it degrades the store like an error. */
export class MalformedReplyError extends Error {
  constructor(what: string, reply: unknown) {
    super(`redisStore: malformed reply to ${what}: ${JSON.stringify(reply) ?? String(reply)}`);
  }
}
Object.defineProperty(MalformedReplyError.prototype, 'name', {
  value: 'MalformedReplyError',
  writable: true,
  configurable: true,
});

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

function num(what: string, reply: unknown, value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new MalformedReplyError(what, reply);
  return n;
}

function list(what: string, reply: unknown, length: number): readonly unknown[] {
  if (!Array.isArray(reply) || reply.length !== length) throw new MalformedReplyError(what, reply);
  return reply;
}

/** Everything a store is told, as Redis arguments (numbers in plain decimal). */
function arg(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3);
}

/** Longest a shared breaker's state must outlive its last write. */
function breakerTtl(report: BreakerReport): number {
  return Math.ceil(Math.max(report.windowMs, report.openWithinMs, report.opened ?? 0) * 2) + 1_000;
}

/** Options {@link RedisStore} is built from, validated. */
export interface RedisStoreConfig {
  readonly wire: Wire;
  readonly prefix: string;
  readonly commandTimeout: number;
  readonly retryAfter: number;
  readonly name: string;
}

/** A {@link SharedStore} on Redis. Made by `redisStore()`. */
export class RedisStore extends StoreBase {
  /** Which client the store drives. */
  readonly client: ClientKind;
  /** The prefix of every key. */
  readonly prefix: string;
  private readonly sendRaw: Send;
  private readonly keys: KeyLayout;

  constructor(config: RedisStoreConfig) {
    super({
      name: config.name,
      clock: systemClock,
      commandTimeout: config.commandTimeout,
      retryAfter: config.retryAfter,
    });
    this.client = config.wire.kind;
    this.prefix = config.prefix;
    this.sendRaw = config.wire.send;
    this.keys = new KeyLayout(config.prefix);
  }

  /** Runs a script by EVALSHA; on NOSCRIPT (a restarted or new node) once by EVAL, which caches it again. */
  private script(script: Script, key: string, args: readonly string[]): Promise<unknown> {
    return this.sendRaw(key, ['EVALSHA', script.sha, '1', key, ...args]).catch((error: unknown) => {
      if (!isNoScript(error)) throw error;
      return this.sendRaw(key, ['EVAL', script.source, '1', key, ...args]);
    });
  }

  take(bucket: string, key: string | undefined, rule: BucketRule, want: number): StoreReply<Grant> {
    return this.send(() => {
      const k = this.keys.bucket(bucket, key);
      return this.script(SCRIPTS.take, k, [arg(rule.limit), arg(rule.perMs), arg(rule.burst), arg(want)]).then(
        (reply) => {
          const r = list('take', reply, 3);
          const granted = num('take', reply, r[0]);
          if (!Number.isInteger(granted) || granted < 0 || granted > want) throw new MalformedReplyError('take', reply);
          return { granted, retryAfter: num('take', reply, r[1]) };
        },
      );
    });
  }

  breaker(name: string, report: BreakerReport): StoreReply<BreakerView> {
    return this.send(() => {
      const c = report.counts;
      const args = [
        report.instance,
        report.opened === undefined ? '' : arg(report.opened),
        report.closed === true ? '1' : '',
        arg(c?.calls ?? 0),
        arg(c?.failures ?? 0),
        arg(c?.slowCalls ?? 0),
        arg(report.windowMs),
        arg(report.openWithinMs),
        arg(breakerTtl(report)),
      ];
      return this.script(SCRIPTS.breaker, this.keys.breaker(name), args).then((reply) => {
        const r = list('breaker', reply, 6);
        const closedAgo = num('breaker', reply, r[2]);
        return {
          opens: num('breaker', reply, r[0]),
          openLeft: num('breaker', reply, r[1]),
          closedAgo: closedAgo < 0 ? Infinity : closedAgo,
          counts: {
            calls: num('breaker', reply, r[3]),
            failures: num('breaker', reply, r[4]),
            slowCalls: num('breaker', reply, r[5]),
          },
        };
      });
    });
  }

  probe(name: string, holder: string, ms: number, max: number, quietMs: number): StoreReply<boolean> {
    return this.send(() => {
      const ttl = Math.ceil(ms === Infinity ? 86_400_000 : ms * 2) + 1_000;
      const lease = ms === Infinity ? 86_400_000 : ms;
      return this.script(SCRIPTS.probe, this.keys.breaker(name), [
        holder,
        arg(lease),
        arg(max),
        arg(ttl),
        arg(quietMs),
      ]).then((reply) => num('probe', reply, reply) === 1);
    });
  }

  unprobe(name: string, holder: string): StoreReply<boolean> {
    return this.send(() =>
      this.script(SCRIPTS.unprobe, this.keys.breaker(name), [holder]).then(
        (reply) => num('unprobe', reply, reply) === 1,
      ),
    );
  }

  get(key: string): StoreReply<string | null> {
    return this.send(() => {
      const k = this.keys.value(key);
      return this.sendRaw(k, ['GET', k]).then((reply) => {
        if (reply === null || typeof reply === 'string') return reply;
        throw new MalformedReplyError('get', reply);
      });
    });
  }

  set(key: string, value: string, ttlMs: number): StoreReply<boolean> {
    return this.send(() => {
      const k = this.keys.value(key);
      return this.sendRaw(k, ['SET', k, value, 'PX', String(Math.max(1, Math.ceil(ttlMs)))]).then((reply) => {
        if (reply === 'OK') return true;
        throw new MalformedReplyError('set', reply);
      });
    });
  }

  delete(key: string): StoreReply<boolean> {
    return this.send(() => {
      const k = this.keys.value(key);
      return this.sendRaw(k, ['DEL', k]).then((reply) => num('delete', reply, reply) === 1);
    });
  }
}
