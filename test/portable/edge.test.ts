// The same checks in Vercel's edge runtime (the `edge-runtime` package: a V8 context with only the
// web platform's globals, no `process`, no `require`, no `node:` modules).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeRuntime } from 'edge-runtime';
import { bundleChecks, expected, startServer } from './harness.js';

describe('in an edge runtime', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let script: string;

  beforeAll(async () => {
    script = await bundleChecks();
    server = await startServer(script);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('has no Node globals to lean on', () => {
    const runtime = new EdgeRuntime();
    expect(runtime.evaluate('typeof process + typeof require + typeof Buffer + typeof setImmediate')).toBe(
      'undefinedundefinedundefinedundefined',
    );
  });

  it('runs a pipeline, a hedge, timeouts, an open breaker, a caller abort and breakwater/fetch', async () => {
    const runtime = new EdgeRuntime({ initialCode: script });
    const result: unknown = await runtime.evaluate(`runChecks(${JSON.stringify(server.url)})`);
    expect(JSON.parse(JSON.stringify(result))).toEqual(expected);
  }, 60_000);
});
