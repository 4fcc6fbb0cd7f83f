import type { Context, ExecuteOptions, Policy } from 'breakwater';
import type {
  Pool,
  PoolClient,
  QueryArrayConfig,
  QueryArrayResult,
  QueryConfig,
  QueryConfigValues,
  QueryResult,
  QueryResultRow,
} from 'pg';
import { describe, oneOf } from '../core/validate.js';
import { CancelOnAbort } from './cancel.js';
import { Answered, markNotExecuted, markNotSent, unwrapAnswer } from './classify.js';
import { PG_KIND } from './constants.js';
import type { IsolationLevel, TransactionOptions } from './options.js';

/** pg's default row type, kept so that code written against `pool.query` type-checks unchanged. */
export type PgDefaultRow = QueryResult['rows'][number];
/** pg's default array row type (`rowMode: 'array'`). */
export type PgDefaultArrayRow = QueryArrayResult['rows'][number];
/** pg's default type of a statement's values. */
export type PgDefaultValues = NonNullable<QueryConfig['values']>;

/** What every call of one pool shares, normalised once at construction. */
export interface PoolSettings {
  readonly pool: Pool;
  readonly policy: Policy;
  readonly name: string;
  readonly idempotent: boolean | undefined;
  readonly clientError: (error: unknown) => boolean;
  readonly rolledBack: (error: unknown) => boolean;
}

type QueryText = string | QueryConfig<unknown>;
type RawQuery = (text: unknown, values?: unknown) => Promise<unknown>;

const ISOLATION_LEVELS: readonly IsolationLevel[] = ['read committed', 'repeatable read', 'serializable'];
const TRANSACTION_KEYS = /* @__PURE__ */ new Set([
  'signal',
  'idempotent',
  'key',
  'correlationId',
  'isolationLevel',
  'readOnly',
]);

function ignoreClientError(): void {
  // The running query rejects with the same error; that is where it is handled.
}

function isSubmittable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { submit?: unknown }).submit === 'function';
}

function rejectCallbacks(method: string, text: unknown, values: unknown, options: unknown): void {
  if (typeof text === 'function' || typeof values === 'function' || typeof options === 'function') {
    throw new TypeError(
      `${PG_KIND}: ${method} takes no callback (promise API only); use \`await ${method}(text, values, options)\``,
    );
  }
}

/** The call's options with the pool's `idempotent` default filled in; no copy when there is nothing to fill. */
function withDefault(options: ExecuteOptions | undefined, idempotent: boolean | undefined): ExecuteOptions | undefined {
  if (idempotent === undefined) return options;
  if (options === undefined) return idempotent ? IDEMPOTENT : NOT_IDEMPOTENT;
  // Anything that is not a plain options object (a signal passed cockatiel's way) goes to execute as it is, to be refused there.
  if (
    options.idempotent !== undefined ||
    typeof options !== 'object' ||
    options === null ||
    options instanceof AbortSignal
  )
    return options;
  return { signal: options.signal, idempotent, key: options.key, correlationId: options.correlationId };
}
const IDEMPOTENT: ExecuteOptions = /* @__PURE__ */ Object.freeze({ idempotent: true });
const NOT_IDEMPOTENT: ExecuteOptions = /* @__PURE__ */ Object.freeze({ idempotent: false });

function beginStatement(isolationLevel: IsolationLevel | undefined, readOnly: boolean | undefined): string {
  let text = 'BEGIN';
  if (isolationLevel !== undefined) text += ` ISOLATION LEVEL ${isolationLevel.toUpperCase()}`;
  if (readOnly !== undefined) text += readOnly ? ' READ ONLY' : ' READ WRITE';
  return text;
}

/**
 * A `pg.Pool` whose statements run through a policy; made by
 * {@link resilientPool}. Pool-compatible for promise callers.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { pipeline, retry, timeout } from 'breakwater';
 * import { resilientPool } from 'breakwater/pg';
 *
 * const db = resilientPool(new pg.Pool(), pipeline(retry(), timeout(1_000)));
 * const { rows } = await db.query<{ id: number }>('SELECT id FROM items WHERE sku = $1', ['A-7'], { idempotent: true });
 * ```
 */
export class ResilientPool {
  /** The pool's name (option `name`). */
  readonly name: string;
  /** The wrapped `pg.Pool`. */
  readonly pool: Pool;
  /** The policy every statement and transaction runs through. */
  readonly policy: Policy;
  private readonly settings: PoolSettings;

  /** @internal */
  constructor(settings: PoolSettings) {
    this.settings = settings;
    this.name = settings.name;
    this.pool = settings.pool;
    this.policy = settings.policy;
  }

  /** Clients the pool holds, idle and checked out. */
  get totalCount(): number {
    return this.pool.totalCount;
  }

  /** Clients idle in the pool. */
  get idleCount(): number {
    return this.pool.idleCount;
  }

  /** Requests waiting in pg's own queue for a client (keep it 0 with a bulkhead of the pool's size). */
  get waitingCount(): number {
    return this.pool.waitingCount;
  }

  /** The options the pool was made with. */
  get options(): Pool['options'] {
    return this.pool.options;
  }

  /** Whether `end()` was called. */
  get ending(): boolean {
    return this.pool.ending;
  }

  /** Whether the pool has ended. */
  get ended(): boolean {
    return this.pool.ended;
  }

  /**
   * Runs one statement through the policy, with the arguments of `pool.query`
   * and the call's {@link ExecuteOptions} third. When the attempt's signal
   * aborts, the statement is cancelled on the server and its client closed.
   */
  query<R extends unknown[] = PgDefaultArrayRow, I = PgDefaultValues>(
    queryConfig: QueryArrayConfig<I>,
    values?: QueryConfigValues<I>,
    options?: ExecuteOptions,
  ): Promise<QueryArrayResult<R>>;
  query<R extends QueryResultRow = PgDefaultRow, I = PgDefaultValues>(
    queryConfig: QueryConfig<I>,
  ): Promise<QueryResult<R>>;
  query<R extends QueryResultRow = PgDefaultRow, I = PgDefaultValues>(
    queryTextOrConfig: string | QueryConfig<I>,
    values?: QueryConfigValues<I>,
    options?: ExecuteOptions,
  ): Promise<QueryResult<R>>;
  query(text: QueryText, values?: unknown, options?: ExecuteOptions): Promise<unknown> {
    rejectCallbacks('query', text, values, options);
    if (isSubmittable(text)) {
      throw new TypeError(
        `${PG_KIND}: query takes no Submittable (a cursor or stream); check out a client with connect() and pass it to client.query`,
      );
    }
    const s = this.settings;
    return s.policy
      .execute((ctx) => runOnPool(s, text, values, ctx), withDefault(options, s.idempotent))
      .then(unwrapAnswer);
  }

  /**
   * Checks a client out of the pool. Its `query` runs each statement through
   * the policy (cancelled on the server when the attempt's signal aborts);
   * cursors and streams (Submittables) go straight to pg. `release()` gives
   * it back, closed instead when one of its statements was aborted.
   */
  connect(): Promise<PoolClient> {
    const s = this.settings;
    return s.pool.connect().then((client) => wrapClient(s, client));
  }

  /**
   * Runs `fn` in `BEGIN … COMMIT` on one client, the whole transaction
   * through the policy once per attempt; `ROLLBACK` when `fn` or `COMMIT`
   * fails. Retried only when PostgreSQL rolled it back (40001, 40P01), when it
   * provably never started, or when the call says `idempotent: true`.
   *
   * @example
   * ```ts fragment
   * await db.transaction(async (client) => {
   *   await client.query('UPDATE accounts SET balance = balance - $1 WHERE id = $2', [10, from]);
   *   await client.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2', [10, to]);
   * }, { isolationLevel: 'serializable' });
   * ```
   *
   * @remarks
   * Gotchas: `fn` may run more than once; keep side effects outside the
   * database out of it. Do not release the client yourself. An error `fn`
   * throws counts for the breaker unless it is a class 22/23 error.
   */
  transaction<T>(fn: (client: PoolClient, ctx: Context) => Promise<T>, options?: TransactionOptions): Promise<T> {
    try {
      if (typeof fn !== 'function')
        throw new TypeError(`${PG_KIND}: transaction needs a function, got ${describe(fn)}`);
      const s = this.settings;
      let begin = 'BEGIN';
      let executeOptions: ExecuteOptions = NOT_IDEMPOTENT;
      if (options !== undefined) {
        if (typeof options !== 'object' || options === null) {
          throw new TypeError(`${PG_KIND}: transaction options must be an object, got ${describe(options)}`);
        }
        for (const key of Object.keys(options)) {
          if (!TRANSACTION_KEYS.has(key)) throw new TypeError(`${PG_KIND}: unknown transaction option ${key}`);
        }
        const { isolationLevel, readOnly } = options;
        if (isolationLevel !== undefined) oneOf(PG_KIND, 'isolationLevel', isolationLevel, ISOLATION_LEVELS);
        if (readOnly !== undefined && typeof readOnly !== 'boolean') {
          throw new TypeError(`${PG_KIND}: readOnly must be a boolean, got ${describe(readOnly)}`);
        }
        begin = beginStatement(isolationLevel, readOnly);
        executeOptions = {
          signal: options.signal,
          idempotent: options.idempotent ?? false,
          key: options.key,
          correlationId: options.correlationId,
        };
      }
      return s.policy
        .execute((ctx) => runTransaction(s, fn, begin, ctx), executeOptions)
        .then(unwrapAnswer) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Ends the pool: closes every idle client and waits for the checked-out ones. */
  end(): Promise<void> {
    return this.pool.end();
  }

  /** Listens to the pool's events (`error`, `connect`, `acquire`, `release`, `remove`). */
  on<K extends 'error' | 'release' | 'connect' | 'acquire' | 'remove'>(
    event: K,
    listener: K extends 'error' | 'release' ? (err: Error, client: PoolClient) => void : (client: PoolClient) => void,
  ): this {
    this.pool.on(event, listener);
    return this;
  }

  /** Stops listening to one of the pool's events. */
  off(event: 'error' | 'release' | 'connect' | 'acquire' | 'remove', listener: (...args: never[]) => void): this {
    this.pool.off(event, listener as (...args: unknown[]) => void);
    return this;
  }
}

/** Checks a client out; any error here proves that no statement was sent (see isPgNotSent). */
async function checkOut(pool: Pool): Promise<PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw markNotSent(error);
  }
}

/** One attempt of `ResilientPool.query`: a client of its own, cancelled and closed on abort. */
async function runOnPool(s: PoolSettings, text: QueryText, values: unknown, ctx: Context): Promise<unknown> {
  // Waits for the client even when the attempt aborts meanwhile: until then it
  // holds a place in pg's pool, and the policy's bulkhead keeps it for it.
  let client: PoolClient;
  try {
    client = await s.pool.connect();
  } catch (error) {
    throw markNotSent(error);
  }
  client.on('error', ignoreClientError);
  const watch = new CancelOnAbort(client, ctx);
  try {
    if (watch.aborted) throw watch.reason;
    return await client.query(text as string, values as unknown[]);
  } catch (error) {
    if (watch.aborted) throw watch.reason;
    return classifyStatementError(s, error);
  } finally {
    const aborted = watch.finish();
    client.removeListener('error', ignoreClientError);
    client.release(aborted);
  }
}

function classifyStatementError(s: PoolSettings, error: unknown): Answered {
  if (s.clientError(error)) return new Answered(error);
  throw error;
}

/** Gives a checked-out client a `query` through the policy, and a `release` that closes it after an abort. */
function wrapClient(s: PoolSettings, client: PoolClient): PoolClient {
  const raw = client.query as unknown as RawQuery;
  const rawRelease = client.release;
  const mark = { broken: false };
  client.on('error', ignoreClientError);
  const runOnClient = async (text: QueryText, values: unknown, ctx: Context): Promise<unknown> => {
    const watch = new CancelOnAbort(client, ctx, mark);
    try {
      if (watch.aborted) throw watch.reason;
      return await raw.call(client, text, values);
    } catch (error) {
      if (watch.aborted) throw watch.reason;
      return classifyStatementError(s, error);
    } finally {
      watch.finish();
    }
  };
  const query = function query(text: QueryText, values?: unknown, options?: ExecuteOptions): unknown {
    if (isSubmittable(text)) return raw.call(client, text, values);
    rejectCallbacks('client.query', text, values, options);
    return s.policy
      .execute((ctx) => runOnClient(text, values, ctx), withDefault(options, s.idempotent))
      .then(unwrapAnswer);
  };
  client.query = query as PoolClient['query'];
  client.release = (err?: Error | boolean): void => {
    client.query = raw as unknown as PoolClient['query'];
    client.release = rawRelease;
    client.removeListener('error', ignoreClientError);
    rawRelease(mark.broken ? true : err);
  };
  return client;
}

/** One attempt of `ResilientPool.transaction`. */
async function runTransaction<T>(
  s: PoolSettings,
  fn: (client: PoolClient, ctx: Context) => Promise<T>,
  begin: string,
  ctx: Context,
): Promise<T | Answered> {
  const client = await checkOut(s.pool);
  client.on('error', ignoreClientError);
  const watch = new CancelOnAbort(client, ctx);
  let broken = false;
  try {
    if (watch.aborted) throw watch.reason;
    try {
      await client.query(begin);
    } catch (error) {
      // Nothing of the transaction ran.
      throw watch.aborted ? watch.reason : markNotSent(error);
    }
    try {
      const value = await fn(client, ctx);
      // A transaction whose signal aborted is never committed; closing the connection rolls it back.
      if (watch.aborted) throw watch.reason;
      await client.query('COMMIT');
      return value;
    } catch (error) {
      if (watch.aborted) throw watch.reason;
      broken = !(await rollBack(client));
      if (s.rolledBack(error)) markNotExecuted(error);
      if (s.clientError(error)) return new Answered(error);
      throw error;
    }
  } finally {
    const aborted = watch.finish();
    client.removeListener('error', ignoreClientError);
    client.release(aborted || broken);
  }
}

function rollBack(client: PoolClient): Promise<boolean> {
  return client.query('ROLLBACK').then(
    () => true,
    () => false,
  );
}
