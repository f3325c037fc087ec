/**
 * Every property run of this package is seeded and bounded, so a failure found anywhere
 * (CI included) is replayed exactly with the seed it printed:
 *
 *   FUZZ_SEED=123456 npm test -- --projects=@steward/fuzz
 *
 * Without FUZZ_SEED the seed is fixed, so `npm test` checks the same cases on every run;
 * `FUZZ_RUNS` scales the number of cases of every property (default 1 = as written).
 */
import fc from 'fast-check';

const DEFAULT_SEED = 20_240_611;

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

export function fuzzSeed(): number {
  return Math.trunc(positiveNumber('FUZZ_SEED', DEFAULT_SEED));
}

/**
 * fast-check parameters for one property: the seed (printed once per property, so a log names
 * it next to the property's name), `numRuns` scaled by FUZZ_RUNS, and no time-based shrinking
 * limit beyond the test's own timeout.
 */
export function fuzzParameters<T>(property: string, numRuns: number): fc.Parameters<T> {
  const seed = fuzzSeed();
  const runs = Math.max(1, Math.round(numRuns * positiveNumber('FUZZ_RUNS', 1)));
  process.stdout.write(`[fuzz] ${property}: seed ${seed}, ${runs} runs (replay with FUZZ_SEED=${seed})\n`);
  return { seed, numRuns: runs, endOnFailure: false, interruptAfterTimeLimit: 45_000, markInterruptAsFailure: false };
}
