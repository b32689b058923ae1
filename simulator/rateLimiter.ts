// Per-team request limit over a sliding window of one minute.

import { MINUTE_MS } from './time.js';

export class RateLimiter {
  readonly #limitPerMinute: number;
  readonly #clockMs: () => number;
  /** Times of the admitted requests of the last minute, oldest first. */
  readonly #admittedAtMs: number[] = [];

  /** Creates a limiter of `limitPerMinute` requests, where 0 admits every request. `clockMs` must be monotonic. */
  constructor(limitPerMinute: number, clockMs: () => number = () => performance.now()) {
    this.#limitPerMinute = limitPerMinute;
    this.#clockMs = clockMs;
  }

  /**
   * Admits the request and returns null, or returns the milliseconds until a
   * request would be admitted. Rejected requests do not use up the limit.
   */
  tryAdmit(): number | null {
    if (this.#limitPerMinute === 0) {
      return null;
    }

    const nowMs = this.#clockMs();
    while (this.#admittedAtMs.length > 0 && this.#admittedAtMs[0]! <= nowMs - MINUTE_MS) {
      this.#admittedAtMs.shift();
    }

    if (this.#admittedAtMs.length < this.#limitPerMinute) {
      this.#admittedAtMs.push(nowMs);
      return null;
    }
    return this.#admittedAtMs[0]! + MINUTE_MS - nowMs;
  }
}
