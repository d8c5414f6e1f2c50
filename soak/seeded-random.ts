// Every random choice of a soak comes from one seed, so `SOAK_SEED=…` replays the same faults.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

export type Random = ReturnType<typeof seededRandom>;

export function seededRandom(seed: number) {
  const rng = xoroshiro128plus(seed);
  const int = (from: number, to: number) => uniformInt(rng, from, to);
  return {
    int,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)],
    /** A sample of `n` distinct items, in random order. */
    sample<T>(items: readonly T[], n: number): T[] {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = int(0, i);
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy.slice(0, n);
    },
  };
}
