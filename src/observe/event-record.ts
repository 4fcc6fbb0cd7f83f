/** An error as a log record carries it: never the stack, never the object itself. */
export interface LoggedError {
  readonly name: string;
  readonly message: string;
  /** The error's `code` (`'ECONNREFUSED'`, …), when it has a string or number one. */
  readonly code?: string | number;
}

/**
 * One event as {@link logEvents} hands it to the logger: the common fields,
 * then the event's own payload. Errors (`error`, an `outcome`'s error) are
 * reduced to {@link LoggedError}; an `outcome`'s value is left out (it may
 * be a response body or a secret); a keyed `created` event's `pool` becomes
 * `{ name, kind }`.
 */
export interface EventRecord {
  /** The name of the policy (or shared store) that emitted the event. */
  readonly policy: string;
  /** Its kind (`'circuitBreaker'`, …; `'store'` for a shared store). */
  readonly kind: string;
  /** The event's name (`'stateChange'`, `'retry'`, …). */
  readonly event: string;
  /** The `key` of the call that caused it. */
  readonly key: string | undefined;
  /** The `correlationId` of the call that caused it. */
  readonly correlationId: string | undefined;
  /** The policy clock's time of the event (`clock.now()`, not wall time). */
  readonly at: number;
  /** The event's own fields. */
  readonly [field: string]: unknown;
}

/** The common fields, which the record puts first. */
const COMMON: Readonly<Record<string, true>> = { policy: true, key: true, correlationId: true, at: true };

/** `error` reduced to its name, message and code. */
export function reduceError(error: unknown): LoggedError {
  if (typeof error !== 'object' || error === null) return { name: typeof error, message: String(error) };
  const e = error as { name?: unknown; message?: unknown; code?: unknown };
  const name =
    typeof e.name === 'string'
      ? e.name
      : ((error as { constructor?: { name?: unknown } }).constructor?.name ?? 'Object');
  const reduced: { name: string; message: string; code?: string | number } = {
    name: typeof name === 'string' ? name : 'Object',
    message: typeof e.message === 'string' ? e.message : '',
  };
  if (typeof e.code === 'string' || typeof e.code === 'number') reduced.code = e.code;
  return reduced;
}

function reduceField(field: string, value: unknown): unknown {
  if (field === 'error') return reduceError(value);
  if (field === 'outcome' && typeof value === 'object' && value !== null) {
    const outcome = value as { ok?: unknown; error?: unknown };
    return outcome.ok === true ? { ok: true } : { ok: false, error: reduceError(outcome.error) };
  }
  if (field === 'pool' && typeof value === 'object' && value !== null) {
    const { name, kind } = value as { name?: unknown; kind?: unknown };
    return { name, kind };
  }
  return value;
}

/** The record of one event: `{ policy, kind, event, key, correlationId, at, ...payload }`. */
export function toRecord(kind: string, event: string, fallbackName: string, payload: unknown): EventRecord {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Readonly<Record<string, unknown>>;
  const record: Record<string, unknown> = {
    policy: typeof p.policy === 'string' ? p.policy : fallbackName,
    kind,
    event,
    key: p.key,
    correlationId: p.correlationId,
    at: p.at,
  };
  for (const field of Object.keys(p)) {
    if (COMMON[field] !== true && field !== 'kind' && field !== 'event') record[field] = reduceField(field, p[field]);
  }
  return record as EventRecord;
}

/** A short message for the record: `circuitBreaker payments stateChange closed -> open (failureRate)`. */
export function messageOf(record: EventRecord): string {
  const head = `${record.kind} ${record.policy} ${record.event}`;
  if (record.event === 'stateChange')
    return `${head} ${String(record.from)} -> ${String(record.to)} (${String(record.reason)})`;
  if (typeof record.reason === 'string') return `${head} (${record.reason})`;
  return head;
}
