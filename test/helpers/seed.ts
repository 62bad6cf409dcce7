/**
 * Seeded randomness for convergence and fuzz tests. The seed comes from TANDEM_SEED when set
 * (to replay a failure) or is drawn fresh; tests print it when they fail.
 */
import * as prng from 'lib0/prng';

export type Rng = prng.PRNG;

/** The seed for this run: TANDEM_SEED if set, else `fixed` if given, else a fresh random 32-bit value. */
export function pickSeed(fixed?: number): number {
  const fromEnv = process.env.TANDEM_SEED;
  if (fromEnv !== undefined && fromEnv !== '') return Number(fromEnv);
  return fixed ?? Math.floor(Math.random() * 0xffffffff);
}

/** A deterministic generator for `seed`. */
export function createRng(seed: number): Rng {
  return prng.create(seed);
}

/**
 * Runs `body` with a seeded generator (`fixed` instead of a fresh seed when given, for a test
 * whose random runs are known to find an open defect); if it throws, the error names the seed so the run
 * can be replayed with `TANDEM_SEED=<seed> npx vitest run <file>`.
 */
export async function withSeed<T>(body: (rng: Rng, seed: number) => Promise<T>, fixed?: number): Promise<T> {
  const seed = pickSeed(fixed);
  try {
    return await body(createRng(seed), seed);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`seeded test failed with TANDEM_SEED=${seed}: ${message}`, { cause: error });
  }
}
