// The active fault set and the state that changes as requests consume it: requests
// left for counted faults, the end of an outage, and the generator that decides
// which requests get a server error.

import type { Faults, MalformedBodyKind } from './faults.js';
import { FAULT_SALT, hashKey, SeededRandom } from './random.js';
import { SECOND_MS } from './time.js';

export type TooManyRequestsFault = NonNullable<Faults['tooManyRequests']>;

/** A response cut short: the socket is destroyed (`drop`) or left open (`stall`) after `afterBytes`. */
export interface PartialBodyFault {
  kind: 'drop' | 'stall';
  afterBytes: number;
}

/** Faults that change the records of `POST /teams/daily-usage-data`. */
export interface RecordFaults {
  malformedRecords: Faults['malformedRecords'];
  duplicateRecords: number;
  nonMemberUsage: boolean;
  emailCaseVariants: boolean;
}

type CountedFaultKey = 'tooManyRequests' | 'dropConnection' | 'neverComplete' | 'malformedBody';

export class FaultState {
  readonly #seed: number;
  readonly #clockMs: () => number;
  readonly #random = new SeededRandom(0);
  #faults: Faults = {};
  #outageEndsAtMs: number | null = null;

  /** `clockMs` times outages. It is the real clock, not the clock of the data. */
  constructor(seed: number, clockMs: () => number = Date.now) {
    this.#seed = seed;
    this.#clockMs = clockMs;
    this.replace({});
  }

  /** Replaces the active set. An outage in it starts now, and the server-error draws restart from the seed. */
  replace(faults: Faults): void {
    this.#faults = structuredClone(faults);
    this.#outageEndsAtMs = faults.outageSeconds === undefined ? null : this.#clockMs() + faults.outageSeconds * SECOND_MS;
    this.#random.reseed(hashKey(this.#seed, 0, FAULT_SALT));
  }

  /** Returns a copy of the active set, where counted faults show the requests they have left, and the end of any outage. */
  snapshot(): { faults: Faults; outageEndsAt: string | null } {
    this.#expireOutage();
    const outageEndsAt = this.#outageEndsAtMs === null ? null : new Date(this.#outageEndsAtMs).toISOString();
    return { faults: structuredClone(this.#faults), outageEndsAt };
  }

  /** Milliseconds left in the current outage, 0 when there is none. */
  outageRemainingMs(): number {
    this.#expireOutage();
    return this.#outageEndsAtMs === null ? 0 : this.#outageEndsAtMs - this.#clockMs();
  }

  takeTooManyRequests(): TooManyRequestsFault | null {
    return this.#take('tooManyRequests');
  }

  /** Draws whether this request fails with a server error, and returns its status or null. */
  drawServerErrorStatus(): number | null {
    const fault = this.#faults.serverErrors;
    if (fault === undefined) {
      return null;
    }
    return this.#random.next() < fault.probability ? fault.status : null;
  }

  latencyMs(): number {
    return this.#faults.latencyMs ?? 0;
  }

  /** Takes one use of `dropConnection`, or else of `neverComplete`. */
  takePartialBody(): PartialBodyFault | null {
    const drop = this.#take('dropConnection');
    if (drop !== null) {
      return { kind: 'drop', afterBytes: drop.afterBytes };
    }
    const stall = this.#take('neverComplete');
    if (stall !== null) {
      return { kind: 'stall', afterBytes: stall.afterBytes };
    }
    return null;
  }

  takeMalformedBody(): MalformedBodyKind | null {
    return this.#take('malformedBody')?.kind ?? null;
  }

  recordFaults(): RecordFaults {
    return {
      malformedRecords: this.#faults.malformedRecords,
      duplicateRecords: this.#faults.duplicateRecords ?? 0,
      nonMemberUsage: this.#faults.nonMemberUsage ?? false,
      emailCaseVariants: this.#faults.emailCaseVariants ?? false,
    };
  }

  unicodeNames(): boolean {
    return this.#faults.unicodeNames ?? false;
  }

  // Returns the fault when it applies to this request, and uses up one of its
  // requests when it is counted. A fault with no requests left is removed.
  #take<Key extends CountedFaultKey>(key: Key): NonNullable<Faults[Key]> | null {
    const fault = this.#faults[key];
    if (fault === undefined) {
      return null;
    }
    if (fault.count !== undefined) {
      fault.count -= 1;
      if (fault.count <= 0) {
        delete this.#faults[key];
      }
    }
    return fault as NonNullable<Faults[Key]>;
  }

  #expireOutage(): void {
    if (this.#outageEndsAtMs !== null && this.#clockMs() >= this.#outageEndsAtMs) {
      this.#outageEndsAtMs = null;
      delete this.#faults.outageSeconds;
    }
  }
}
