/** The name used in error messages of the pg wrapper. */
export const PG_KIND = 'resilientPool';

/**
 * How long, in milliseconds, a statement may keep running after its signal
 * aborted and the cancel request went out. Past it the client's connection
 * is closed, so that a cancel lost on a cut network cannot hold the call.
 */
export const CANCEL_GRACE_MS = 1_000;

/**
 * Error codes that prove no statement reached the server: Node's
 * connection-phase errors, and the SQLSTATEs a server sends while refusing a
 * new connection (57P03 cannot_connect_now, 53300 too_many_connections,
 * 08001 and 08004: the connection could not be established).
 */
export const NOT_SENT_CODES: readonly string[] = /* @__PURE__ */ Object.freeze([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P03',
  '53300',
  '08001',
  '08004',
]);

/**
 * SQLSTATEs after which PostgreSQL has rolled the whole transaction back:
 * 40001 serialization_failure and 40P01 deadlock_detected.
 */
export const ROLLED_BACK_CODES: readonly string[] = /* @__PURE__ */ Object.freeze(['40001', '40P01']);

/**
 * SQLSTATE classes in which the database answered: 22 (data exception) and
 * 23 (integrity constraint violation). They say nothing about its health.
 */
export const CLIENT_ERROR_CLASSES: readonly string[] = /* @__PURE__ */ Object.freeze(['22', '23']);
