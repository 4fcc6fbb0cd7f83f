import fc from 'fast-check';

// In CI every property runs from one fixed seed, so a run can be repeated
// exactly; elsewhere each run explores new cases (set FC_SEED to replay one).
const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : process.env.CI ? 20_261_125 : undefined;
if (seed !== undefined) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
