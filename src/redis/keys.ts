/**
 * The key layout, version `v1`: `<prefix>v1:{<tag>}:<kind>`. The braces are
 * Redis Cluster's hash tag, so every key of one bucket or breaker lands on
 * one slot. Names and keys are escaped (`%`, `{`, `}`, `:` and lone UTF-16
 * surrogates become `%XX` / `%uXXXX`), so a name can neither break the tag
 * nor collide with another: the escaped text holds no `:`, which separates a
 * policy name from a call key, and no brace.
 */
export const LAYOUT_VERSION = 'v1';

const SPECIAL = /[%{}:]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return code >= 0xd800
    ? `%u${code.toString(16).toUpperCase()}`
    : `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** `text` with the layout's special characters escaped. */
export function escapeKeyPart(text: string): string {
  return text.replace(SPECIAL, escapeChar);
}

/** Builds the keys of one store. */
export class KeyLayout {
  private readonly base: string;

  constructor(prefix: string) {
    this.base = `${prefix}${LAYOUT_VERSION}:`;
  }

  /** A rate-limit bucket: the policy's name and the call's key (none: the name alone). */
  bucket(name: string, key: string | undefined): string {
    const tag = key === undefined ? escapeKeyPart(name) : `${escapeKeyPart(name)}:${escapeKeyPart(key)}`;
    return `${this.base}{${tag}}:rl`;
  }

  /** A shared breaker's hash (state, merged counts, probe leases). */
  breaker(name: string): string {
    return `${this.base}{${escapeKeyPart(name)}}:cb`;
  }

  /** A value of `get`/`set`. */
  value(key: string): string {
    return `${this.base}{${escapeKeyPart(key)}}:v`;
  }
}
