import fc from 'fast-check';
import { createRequire } from 'node:module';
import { afterAll, expect } from 'vitest';

// In CI every property runs from one fixed seed, so a run can be repeated
// exactly; elsewhere each run explores new cases (set FC_SEED to replay one).
const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : process.env.CI ? 20_261_125 : undefined;
if (seed !== undefined) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });

// prom-client's global register must stay empty in every test file: breakwater/prometheus writes
// only into the registry it is given. Checked only where prom-client is installed; Node caches it,
// so requiring it once per worker is all this costs.
const requireHere = createRequire(import.meta.url);
const promClientPath = ((): string | undefined => {
  try {
    return requireHere.resolve('prom-client');
  } catch {
    return undefined;
  }
})();
afterAll(() => {
  if (promClientPath === undefined) return;
  const { register } = requireHere(promClientPath) as { register: { getMetricsAsArray(): unknown[] } };
  expect(register.getMetricsAsArray().length, "prom-client's global register").toBe(0);
});
