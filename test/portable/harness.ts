// Bundles test/portable/checks.ts with esbuild for the browser (what a user's bundler does with
// the shipped ESM entries) and serves it, with the endpoints the checks call, on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface ExportTarget {
  import?: { default?: string };
}

/** Resolves `breakwater` and `breakwater/*` through the package's own exports map, to the ESM build. */
const shippedEntries: Plugin = {
  name: 'breakwater-exports',
  setup(b) {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, ExportTarget>;
    };
    b.onResolve({ filter: /^breakwater(\/.*)?$/ }, (args) => {
      const sub = args.path === 'breakwater' ? '.' : `.${args.path.slice('breakwater'.length)}`;
      const target = pkg.exports[sub]?.import?.default;
      if (target === undefined) return { errors: [{ text: `breakwater does not export ${sub}` }] };
      return { path: join(root, target) };
    });
  },
};

/**
 * The checks as one browser script that sets `globalThis.runChecks`. Built from `dist/` (the
 * shipped files), so a `node:` import in a portable entry fails the build here.
 */
export async function bundleChecks(): Promise<string> {
  if (!existsSync(join(root, 'dist', 'index.js')))
    throw new Error('these tests run the shipped files: npm run build first');
  const result = await build({
    stdin: {
      contents: "import { runChecks } from './test/portable/checks.ts'; globalThis.runChecks = runChecks;",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    minify: true,
    logLevel: 'silent',
    plugins: [shippedEntries],
    absWorkingDir: root,
  });
  const [file] = result.outputFiles;
  if (file === undefined) throw new Error('esbuild produced no output');
  return file.text;
}

/** A server for the page and the fetch checks: `/flaky` answers 503 once, then 200. */
export async function startServer(script: string): Promise<{ url: string; close: () => Promise<void> }> {
  let flaky = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><meta charset="utf-8"><title>breakwater</title><script src="/checks.js"></script>');
    } else if (req.url === '/checks.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(script);
    } else if (req.url === '/flaky') {
      flaky++;
      if (flaky === 1) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":"busy"}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }
    } else if (req.url === '/count') {
      res.end(String(flaky));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What every runtime must report. */
export const expected = {
  pipelineValue: 'value',
  attempts: 3,
  hedgeWinner: 'hedge 2',
  timedOut: true,
  breakerState: 'open',
  openRejected: true,
  callerAbort: 'caller gave up',
  pendingTimers: 0,
  fetchStatus: 200,
  fetchBody: { ok: true },
  fetchAttempts: 2,
};
