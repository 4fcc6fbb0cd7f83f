import { isBreakwaterError } from 'breakwater';
import { CLIENT_ERROR_CLASSES, NOT_SENT_CODES, ROLLED_BACK_CODES } from './constants.js';

const notSentCodes = /* @__PURE__ */ new Set(NOT_SENT_CODES);
/** Set on errors of `pool.connect()` by any copy of the package: nothing was sent. */
const NOT_SENT: unique symbol = Symbol.for('breakwater.pg.notSent') as never;
const rolledBackCodes = /* @__PURE__ */ new Set(ROLLED_BACK_CODES);
const clientErrorClasses = /* @__PURE__ */ new Set(CLIENT_ERROR_CLASSES);

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True for an error of SQLSTATE class 22 (bad data) or 23 (a constraint
 * violation): the database answered, so it is no sign of an outage and
 * running the statement again gives the same answer.
 *
 * @example
 * ```ts
 * import { circuitBreaker } from 'breakwater';
 * import { isPgClientError } from 'breakwater/pg';
 *
 * const breaker = circuitBreaker({ failOn: (o) => !o.ok && !isPgClientError(o.error) });
 * ```
 */
export function isPgClientError(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && code.length === 5 && clientErrorClasses.has(code.slice(0, 2));
}

/**
 * True for SQLSTATE 40001 (serialization failure) and 40P01 (deadlock
 * detected): PostgreSQL rolled the transaction back, so nothing of it remains
 * and the whole transaction may run again.
 *
 * @example
 * ```ts
 * import { retry } from 'breakwater';
 * import { isPgRolledBack } from 'breakwater/pg';
 *
 * const retryConflicts = retry({ maxAttempts: 10, retryOn: (o) => !o.ok && isPgRolledBack(o.error) });
 * ```
 */
export function isPgRolledBack(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && rolledBackCodes.has(code);
}

/**
 * True when the error proves that no statement reached the server: it came
 * from checking a client out of the pool (a `ResilientPool` marks those), its
 * `executed` is `false`, or its code is one of {@link NOT_SENT_CODES}
 * (connection refused, host not found, the server refusing new connections).
 * Retry's default `notExecuted` already knows the connection codes; pass
 * this predicate to recognise the rest (a pool's connection timeout, say).
 *
 * @example
 * ```ts
 * import { retry } from 'breakwater';
 * import { isPgNotSent } from 'breakwater/pg';
 *
 * const writes = retry({ notExecuted: isPgNotSent }); // writes are re-sent only when they never left
 * ```
 */
export function isPgNotSent(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { executed?: unknown }).executed === false || (error as { [NOT_SENT]?: unknown })[NOT_SENT] === true)
    return true;
  const code = codeOf(error);
  return code !== undefined && notSentCodes.has(code);
}

/**
 * Marks an error of `pool.connect()` for {@link isPgNotSent}. Not with
 * `executed = false`: a circuit breaker counts such rejections as neither
 * success nor failure, and a server that refuses every connection must open it.
 */
export function markNotSent(error: unknown): unknown {
  if (typeof error === 'object' && error !== null) {
    try {
      (error as { [NOT_SENT]?: true })[NOT_SENT] = true;
    } catch {
      // A frozen error keeps its shape.
    }
  }
  return error;
}

/** Marks `error` as proof that the attempt left nothing behind, so that retry may run it again. */
export function markNotExecuted(error: unknown): unknown {
  if (typeof error === 'object' && error !== null && !isBreakwaterError(error)) {
    try {
      (error as { executed?: boolean }).executed = false;
    } catch {
      // A frozen error keeps its shape; retry then falls back to its own rules.
    }
  }
  return error;
}

/**
 * An error with which the database answered (class 22 or 23), carried as the
 * policy's value so that no breaker counts it and no retry re-runs it; the
 * wrapper throws it again outside the policy.
 */
export class Answered {
  readonly error: unknown;

  constructor(error: unknown) {
    this.error = error;
  }
}

/** Throws the error an {@link Answered} carries; passes any other value through. */
export function unwrapAnswer<T>(value: T | Answered): T {
  if (value instanceof Answered) throw value.error;
  return value;
}
