import type { ExecuteOptions } from 'breakwater';

/** Options of {@link resilientPool}. */
export interface ResilientPoolOptions {
  /**
   * The default `idempotent` of the pool's `query` calls that do not say;
   * `transaction` never uses it (a transaction is re-run only when it was
   * rolled back or never started, or when the call itself says `idempotent: true`).
   * @defaultValue none: the enclosing retry's or hedge's default applies (false unless set there)
   * @example
   * ```ts fragment
   * const reads = resilientPool(replicaPool, policy, { idempotent: true });
   * ```
   */
  idempotent?: boolean;
  /**
   * The pool's name, for messages and for telling pools apart.
   * @defaultValue `'resilientPool'`
   */
  name?: string;
  /**
   * Which errors mean that the database answered: they are the policy's
   * value instead of its error (no breaker counts them, no retry re-runs
   * them) and are rethrown, unchanged, outside the policy.
   * @defaultValue {@link isPgClientError} (SQLSTATE classes 22 and 23)
   * @example
   * ```ts fragment
   * resilientPool(pool, policy, { clientError: (e) => isPgClientError(e) || (e as { code?: string }).code === '42P01' });
   * ```
   */
  clientError?: (error: unknown) => boolean;
  /**
   * Which errors of a `transaction` mean that PostgreSQL rolled it back:
   * they get `executed = false`, so retry runs the whole transaction again
   * whatever its idempotency.
   * @defaultValue {@link isPgRolledBack} (40001, 40P01)
   */
  rolledBack?: (error: unknown) => boolean;
}

/** How a transaction sees the changes of others (PostgreSQL's `BEGIN ISOLATION LEVEL …`). */
export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

/** Options of `ResilientPool.transaction`: the call's options plus how to begin. */
export interface TransactionOptions extends ExecuteOptions {
  /**
   * The isolation level of the transaction.
   * @defaultValue the server's `default_transaction_isolation` (read committed unless configured)
   * @example
   * ```ts fragment
   * await db.transaction(transfer, { isolationLevel: 'serializable' });
   * ```
   */
  isolationLevel?: IsolationLevel;
  /**
   * `true` begins `READ ONLY`, `false` `READ WRITE`.
   * @defaultValue the server's `default_transaction_read_only`
   */
  readOnly?: boolean;
}
