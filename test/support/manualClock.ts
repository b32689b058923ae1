import type { Clock } from '../../lib/time';

/** A clock that moves only when a test advances it. Its `sleep` advances it at once instead of waiting. */
export class ManualClock implements Clock {
  private currentMs: number;
  readonly sleeps: number[] = [];

  constructor(start: Date | string) {
    this.currentMs = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.currentMs);
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.currentMs += ms;
  }

  advance(ms: number): void {
    this.currentMs += ms;
  }

  set(time: Date | string): void {
    this.currentMs = new Date(time).getTime();
  }
}
