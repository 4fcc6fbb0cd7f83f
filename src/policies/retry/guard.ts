import { DEFAULT_NOT_EXECUTED_CODES } from './constants.js';

const NOT_EXECUTED_CODES: ReadonlySet<unknown> = new Set<unknown>(DEFAULT_NOT_EXECUTED_CODES);

function codeOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { code?: unknown }).code : undefined;
}

/**
 * The default `notExecuted`: the error, or its `cause` (where `fetch` puts
 * undici's error), carries a code that proves the connection never opened.
 */
export function hasNotExecutedCode(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  return NOT_EXECUTED_CODES.has(codeOf(error)) || NOT_EXECUTED_CODES.has(codeOf((error as { cause?: unknown }).cause));
}

/** The error's `retryAfter` in ms when it is a finite number >= 0, else 0. */
export function retryAfterOf(error: unknown): number {
  if (typeof error !== 'object' || error === null) return 0;
  const after = (error as { retryAfter?: unknown }).retryAfter;
  return typeof after === 'number' && after >= 0 && after <= Number.MAX_VALUE ? after : 0;
}
