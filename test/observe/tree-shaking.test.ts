import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** What a bundler keeps of the root entry for a program that imports `names`. */
async function bundle(names: readonly string[]): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import { ${names.join(', ')} } from './src/index.ts';\nconsole.log(${names.join(', ')});`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    treeShaking: true,
    external: ['eventemitter3', 'p-limit'],
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Text found only in the health report and the event log. */
const OBSERVE =
  /HealthCollector|EventLog\b|DEFAULT_EVENT_LEVELS|DEFAULT_HEALTH_LIMIT|the logger threw|breakwater policy \(an object with kind and name\)/;

describe('health and logEvents cost nothing when unused', () => {
  it('leave no code in a bundle that uses only policies', async () => {
    const policies = await bundle([
      'pipeline',
      'retry',
      'circuitBreaker',
      'bulkhead',
      'keyed',
      'timeout',
      'fallback',
      'hedge',
      'rateLimit',
    ]);
    expect(policies).not.toMatch(OBSERVE);
    expect(policies).toMatch(/circuitBreaker/);
  });

  it('are in the bundle of a program that uses them (the check above can fail)', async () => {
    expect(await bundle(['health'])).toMatch(/HealthCollector/);
    expect(await bundle(['logEvents'])).toMatch(/DEFAULT_EVENT_LEVELS/);
  });
});
