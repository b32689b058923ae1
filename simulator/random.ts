// Seeded pseudo-random numbers. Every value the simulator invents comes from a
// generator reseeded with a hash of (seed, developer index, day), so the value of
// one developer on one day does not depend on which other records a request covers.

/** Salts for the `day` slot of `hashKey` when a draw is not tied to a day. */
export const PROFILE_SALT = -1;
export const ROSTER_SALT = -2;
export const FAULT_SALT = -3;

// The finalizer of MurmurHash3: spreads every input bit over the 32 output bits.
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes (seed, index, day) into one 32-bit generator seed. */
export function hashKey(seed: number, index: number, day: number): number {
  let h = mix32(seed ^ 0x5bd1e995);
  h = mix32(h + Math.imul(index | 0, 0x9e3779b1));
  h = mix32(h + Math.imul(day | 0, 0x85ebca77));
  return h;
}

/**
 * Mulberry32, a small generator with a 32-bit state. It is fast and good enough
 * for synthetic data, and one instance can be reseeded for each record to avoid
 * allocating a generator per record.
 */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  reseed(seed: number): void {
    this.#state = seed >>> 0;
  }

  /** Next number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Next integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** Next number in [min, max). */
  nextBetween(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.nextInt(items.length)] as T;
  }
}
