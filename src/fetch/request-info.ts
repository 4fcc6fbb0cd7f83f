import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_METHODS } from './constants.js';

const IDEMPOTENT = /* @__PURE__ */ new Set(IDEMPOTENT_METHODS);
const KEY_HEADER_LOWER = IDEMPOTENCY_KEY_HEADER.toLowerCase();

/** A `Request` (or a look-alike from another realm or polyfill), as opposed to a string or URL. */
export function isRequest(input: unknown): input is Request {
  return (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as Partial<Request>).clone === 'function' &&
    typeof (input as Partial<Request>).method === 'string'
  );
}

/** True for the methods RFC 9110 calls idempotent (compared case-insensitively). */
export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

/** Does this header list name an `Idempotency-Key` (any case, any non-empty value)? */
export function hasIdempotencyKey(headers: HeadersInit | Headers | undefined): boolean {
  return hasHeader(headers, KEY_HEADER_LOWER);
}

/** Does this header list name the header `lowerName` (given in lower case; compared in any case)? */
export function hasHeader(headers: HeadersInit | Headers | undefined, lowerName: string): boolean {
  if (headers === undefined || headers === null) return false;
  if (typeof (headers as Headers).has === 'function') return (headers as Headers).has(lowerName);
  if (Array.isArray(headers)) {
    for (const pair of headers as readonly (readonly string[])[]) {
      if (String(pair[0]).toLowerCase() === lowerName) return true;
    }
    return false;
  }
  for (const name of Object.keys(headers)) if (name.toLowerCase() === lowerName) return true;
  return false;
}

/** True when a request body cannot be sent twice (a stream is read once). */
export function isOneShotBody(body: BodyInit | null | undefined): boolean {
  return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}

/** The URL of a fetch input, resolved against the page in a browser. */
export function urlOf(input: string | URL | Request): URL {
  if (input instanceof URL) return input;
  const href = isRequest(input) ? input.url : String(input);
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  return new URL(href, base);
}
